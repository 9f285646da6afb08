# A ReID model's crop embeddings (e.g. SimpleReID) in QDTrack's track manager
# (its toy preset, cosine similarity instead of bi-softmax), on the toy
# videos' det.txt boxes: SimpleReID next to QDTrack and MASA in the same
# association.
#   python tools/test.py THIS_CONFIG --cfg-options model.reid_checkpoint=CKPT
_base_ = [
    '../deepsort/deepsort_simplereid_public-det_toy.py',
    '../_base_/trackers/qdtrack_mot17.py'
]
model = dict(
    tracker=dict(
        _delete_=True,
        **dict(_base_.mot17_tracker, match_metric='cosine')))
