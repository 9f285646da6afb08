# Ablation: quasi-dense matching with one positive per key RoI (Eq. 2).
_base_ = '../qdtrack_faster-rcnn_toy.py'
model = dict(
    track_head=dict(
        embed_head=dict(
            loss_track=dict(type='OnePosCrossEntropyLoss', loss_weight=0.25)),
        train_cfg=dict(match_mode='one_positive')))
