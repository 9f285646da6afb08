# A ReID model's crop embeddings (SimpleReID, supervised, ImageNet or random
# MobileNetV2: set model.reid_checkpoint) in UniTrack's association, on the
# toy videos' det.txt boxes.
#   python tools/test.py THIS_CONFIG --cfg-options model.reid_checkpoint=CKPT
_base_ = [
    '../deepsort/deepsort_simplereid_public-det_toy.py',
    '../_base_/trackers/unitrack.py'
]
model = dict(
    tracker=dict(_delete_=True, **_base_.unitrack_toy_embedding_tracker))
