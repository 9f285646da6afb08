# SimpleReID (ResNet-50) embeddings of the given TAO boxes in QDTrack's track
# manager with its TAO preset (configs/_base_/trackers/qdtrack_tao.py), so
# that SimpleReID, QDTrack and MASA compare on identical boxes with the same
# association. The manager is class-aware (with_cats: a box is matched
# only to tracks of its class, the given boxes' classes come from the
# results file). Cosine similarity of the ReID embeddings replaces the
# preset's bi-softmax + cosine ('masa'), as for the toy comparison
# (configs/family/reid-embeds_qd-manager_toy.py); match_score_thr stays the
# preset's 0.5 (not tuned: no TAO data here).
#   python tools/test.py THIS_CONFIG --cfg-options \
#       model.reid_checkpoint=CKPT \
#       test_dataloader.dataset.public_det_file=DETS.json
_base_ = [
    './deepsort_simplereid-r50_given-det_tao.py',
    '../_base_/trackers/qdtrack_tao.py',
]

model = dict(
    tracker=dict(
        _delete_=True, **dict(_base_.tao_tracker, match_metric='cosine')))
