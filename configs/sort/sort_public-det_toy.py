# SORT on the toy benchmark's public detections (det/det.txt): the IoU-only
# baseline. Nothing to train: python tools/test.py THIS_CONFIG
_base_ = [
    '../_base_/datasets/toy_mot.py', '../_base_/default_runtime.py'
]

model = dict(
    type='SORT',
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    tracker=dict(
        type='SORTTracker',
        max_age=1,
        min_hits=3,
        iou_threshold=0.3,
        score_thr=0.0))

test_cfg = dict(type='TestLoop')
val_cfg = dict(type='ValLoop')
train_dataloader = None  # nothing to train
