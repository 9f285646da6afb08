# Ablation (test only): the paper's tracker, bi-softmax similarity with
# one-frame backdrops.
_base_ = '../qdtrack_faster-rcnn_toy.py'
model = dict(tracker=dict(match_metric='bisoftmax', num_frames_backdrop=1))
