# The shared flip (masa_toy_static_basic-aug_self-train_shared-flip_
# 1000it.py) on all 960 training frames: one change of
# masa_toy_static_basic-aug_self-train-all_1000it.py (box file: see there).
_base_ = './masa_toy_static_basic-aug_self-train_shared-flip_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_self-train_all.json'))
