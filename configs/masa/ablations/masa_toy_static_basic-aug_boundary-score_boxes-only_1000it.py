# The control of the self-training run: the boundary-scored proposals
# (masa_toy_static_basic-aug_boundary-score_1000it.py) read as boxes only,
# through the dataset of masa_toy_static_gt-boxes_basic-aug_1000it.py (no
# masks: views' boxes are the transformed boxes, not boxes of the
# transformed masks), as masa_toy_static_basic-aug_self-train_1000it.py
# reads its boxes. Proposal file: docs/masa_data.md, section 3.
_base_ = './masa_toy_static_gt-boxes_basic-aug_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_felzenszwalb_boundary.json'))
