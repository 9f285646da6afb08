# Ablation: sparse ground-truth matching (only gt boxes are embedded; one
# positive each), trained with the one-positive cross-entropy (Eq. 2) of the
# one-positive ablation.
_base_ = './qdtrack_toy_one-positive.py'
model = dict(track_head=dict(train_cfg=dict(match_mode='sparse')))
