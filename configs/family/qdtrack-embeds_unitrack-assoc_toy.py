# QDTrack's embeddings (toy track head, supervised with ids) in UniTrack's
# association, on the toy videos' det.txt boxes: the family table's row for
# QDTrack (tools/toy_family.py), compared with every other appearance source
# in the same association on the same boxes.
#   python tools/test.py THIS_CONFIG QDTRACK_TOY_CHECKPOINT
_base_ = [
    '../qdtrack/qdtrack_given-det_toy.py', '../_base_/trackers/unitrack.py'
]
model = dict(
    tracker=dict(_delete_=True, **_base_.unitrack_toy_embedding_tracker))
