# MASA's embeddings (toy adapter trained on static images only) in
# UniTrack's association, on the toy videos' det.txt boxes.
#   python tools/test.py THIS_CONFIG MASA_TOY_CHECKPOINT
_base_ = [
    '../masa/masa_toy_given-obs.py', '../_base_/trackers/unitrack.py'
]
model = dict(
    tracker=dict(_delete_=True, **_base_.unitrack_toy_embedding_tracker))
