# Ablation (test only): no backdrops (unmatched detections are forgotten).
_base_ = '../qdtrack_faster-rcnn_toy.py'
model = dict(tracker=dict(num_frames_backdrop=0))
