# The paper's pairing on the long schedule: MASA's strong augmentation
# (masa_toy_static_1000it.py) with the paper's loss (InfoNCE on cosine
# similarity / tau 0.07), on the self-trained boxes of all 960 training
# frames (masa_toy_static_basic-aug_self-train-all_1000it.py, whose header
# says how to write the file). Boxes without masks, so the views' boxes are
# warped corners. One change from ..._basic-aug_self-train-all_infonce_
# 1000it.py: the augmentation.
_base_ = '../masa_toy_static_1000it.py'

model = dict(track_head=dict(embed_head=_base_.masa_infonce_embed_head))
train_dataloader = dict(dataset=dict(
    _base_.masa_gt_boxes_dataset,
    ann_file='annotations/masa_proposals_self-train_all.json'))
