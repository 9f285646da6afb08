# Ablation (test only): Hungarian instead of greedy matching.
_base_ = '../qdtrack_faster-rcnn_toy.py'
model = dict(tracker=dict(match_method='hungarian'))
