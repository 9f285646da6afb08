# QDTrack's embeddings (the toy model, trained on videos with ids) in
# MASA's association: the tracker of configs/masa/masa_toy_given-obs.py
# (plug-and-play preset, no centre-distance prior), on the toy videos'
# det.txt boxes, so that MASA and QDTrack compare embeddings on the same
# boxes and the same association.
#   python tools/test.py THIS_CONFIG QDTRACK_TOY_CHECKPOINT
_base_ = [
    '../qdtrack/qdtrack_given-det_toy.py', '../_base_/trackers/masa.py'
]
model = dict(
    tracker=dict(
        _base_.masa_plug_and_play_tracker, _delete_=True, max_distance=-1))
