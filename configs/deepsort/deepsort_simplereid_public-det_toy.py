# DeepSORT + SimpleReID on the toy benchmark's public detections (det.txt).
# The ReID model is a checkpoint of configs/simplereid/
# simplereid_mobilenetv2_toy.py trained on pseudo-labels:
#   python tools/test.py THIS_CONFIG --cfg-options \
#       model.reid_checkpoint=work_dirs/simplereid_mobilenetv2_toy/epoch_2.pth
_base_ = [
    '../_base_/datasets/toy_mot.py', '../_base_/default_runtime.py',
    '../_base_/trackers/deepsort.py'
]

reid = dict(
    type='SimpleReID',
    crop_size=(64, 32),
    backbone=dict(type='DSRMobileNetV2', out_indices=(7, )),
    neck=dict(type='mmdet.GlobalAveragePooling'),
    head=dict(type='BNNeckReIDHead', in_channels=1280, num_classes=1))

model = dict(
    type='DeepSORT',
    # unnormalised BGR frames: the ReID model normalises its crops
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    reid=reid,
    reid_checkpoint='work_dirs/simplereid_mobilenetv2_toy/epoch_2.pth',
    tracker=_base_.deepsort_tracker)

test_cfg = dict(type='TestLoop')
val_cfg = dict(type='ValLoop')
train_dataloader = None  # train the ReID model with its own config
