# Ablation: sparse ground-truth matching (only gt boxes are embedded; one
# positive each), trained with the one-positive cross-entropy (Eq. 2).
_base_ = '../qdtrack_faster-rcnn_toy.py'
model = dict(
    track_head=dict(
        embed_head=dict(
            loss_track=dict(type='OnePosCrossEntropyLoss', loss_weight=0.25)),
        train_cfg=dict(match_mode='sparse')))
