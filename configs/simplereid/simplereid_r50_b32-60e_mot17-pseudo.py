# The paper's setting (Torchreid defaults): ImageNet ResNet-50, 256x128
# crops, Adam 3e-4, label-smoothed cross-entropy, flip, 60 epochs with lr x0.1
# every 20, batch 32 (P x K = 8 x 4), on SimpleReID pseudo-labels of MOT17
# train linked from its public (or POI) detections:
#   python tools/simplereid/pseudo_label.py data/MOT17/train \
#       data/MOT17/simplereid/train_pseudo.json --det-file \
#       'data/MOT17/train/{video}/det/det.txt'
# (pick one detector's folders, e.g. *-FRCNN). Set num_classes to num_ids.
_base_ = ['./simplereid_mobilenetv2_toy.py']

crop_scale = (128, 256)
data_root = 'data/MOT17/'
model = dict(
    crop_size=(256, 128),
    backbone=dict(
        _delete_=True,
        type='mmdet.ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet50-0676ba61.pth')),
    head=dict(in_channels=2048))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropBox', scale=crop_scale),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmdet.PackReIDInputs', meta_keys=('img_path', 'flip'))
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropBox', scale=crop_scale),
    dict(type='mmdet.PackReIDInputs', meta_keys=('img_path', ))
]
train_dataloader = dict(
    dataset=dict(
        ann_file=data_root + 'simplereid/train_pseudo.json',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ann_file=data_root + 'simplereid/val_gt.json',
        pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=60, val_interval=60)
param_scheduler = [
    dict(type='StepLR', step_size=20, gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3))
