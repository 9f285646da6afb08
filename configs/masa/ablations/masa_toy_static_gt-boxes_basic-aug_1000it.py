# An ideal segmenter on the long schedule: the ground-truth boxes of the 120
# training frames (as in masa_toy_static_gt-boxes.py; still no ids, no
# order, no video) with basic augmentation, 1000 iterations. The upper
# bound of better proposals for masa_toy_static_basic-aug_1000it.py
# (docs/masa.md). Write the box file first: docs/masa_data.md, section 3.
_base_ = './masa_toy_static_basic-aug_1000it.py'

train_dataloader = dict(dataset=_base_.masa_gt_boxes_dataset)
