# Both lifts of the ideal segmenter together: the copy-paste run
# (masa_toy_static_gt-boxes_basic-aug_paste_1000it.py) on all 960 training
# frames instead of every 8th, as masa_toy_static_gt-boxes-all_basic-aug_
# 1000it.py does without copy-paste (docs/masa.md). Box file: see that
# config.
_base_ = './masa_toy_static_gt-boxes_basic-aug_paste_1000it.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/masa_gt_boxes_all.json'))
