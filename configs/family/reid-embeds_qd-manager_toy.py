# A ReID model's crop embeddings (e.g. SimpleReID) in QDTrack's track manager
# (its toy preset, cosine similarity instead of bi-softmax), on the toy
# videos' det.txt boxes: SimpleReID next to QDTrack and MASA in the same
# association.
#   python tools/test.py THIS_CONFIG --cfg-options model.reid_checkpoint=CKPT
_base_ = [
    '../deepsort/deepsort_simplereid_public-det_toy.py',
    '../_base_/trackers/qdtrack_mot17.py'
]
# match_score_thr 0.2 instead of the preset's 0.5: chosen on the validation
# videos (tools/analysis/param_search.py --grid match_score_thr=0.1,0.2,0.3,
# 0.4,0.5: HOTA 45.3 / 46.7 / 44.6 / 44.9 / 39.5); SimpleReID's cosine of one
# person in consecutive jittered det.txt boxes is often below 0.5
model = dict(
    tracker=dict(
        _delete_=True,
        **dict(_base_.mot17_tracker, match_metric='cosine',
               match_score_thr=0.2)))
