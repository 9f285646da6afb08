# The ideal segmenter of masa_toy_static_gt-boxes_basic-aug_1000it.py on
# all 960 training frames instead of every 8th (still independent images:
# no ids, no order, no video). Asks whether more unlabeled images lift the
# bound at the same number of iterations (docs/masa.md). Write the box file
# first:
#   python tools/masa/select_images.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_gt_boxes_all.json --drop-ignored
_base_ = './masa_toy_static_gt-boxes_basic-aug_1000it.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/masa_gt_boxes_all.json'))
