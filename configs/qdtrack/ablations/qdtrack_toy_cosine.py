# Ablation (test only): cosine similarity instead of bi-softmax.
_base_ = '../qdtrack_faster-rcnn_toy.py'
model = dict(tracker=dict(match_metric='cosine'))
