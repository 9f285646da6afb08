# Ablation (test only): MASA similarity ((bi-softmax + cosine) / 2) without
# backdrops, the toy preset of earlier versions (chosen when the toy model
# was trained on 4 videos, whose embeddings gave a flat bi-softmax).
_base_ = '../qdtrack_faster-rcnn_toy.py'
model = dict(tracker=dict(match_metric='masa', num_frames_backdrop=0))
