# MASA on 2 CPU cores, trained only on static images: the toy training
# frames as independent unlabeled images (no ids, no order), two strongly
# augmented views each, proposals from the weight-free source
# (configs/_base_/datasets/masa_static_toy.py). The backbone (ImageNet
# MobileNetV2) stays frozen; adapter and heads are trained. Test it on the
# toy videos' det.txt boxes with masa_toy_given-obs.py.
_base_ = [
    '../_base_/models/masa_toy.py',
    '../_base_/datasets/masa_static_toy.py',
    '../_base_/schedules/schedule_12e.py',
    '../_base_/default_runtime.py',
]

max_epochs = 2
# no validation during training: test with masa_toy_given-obs.py
train_cfg = dict(max_epochs=max_epochs, val_begin=max_epochs + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[max_epochs - 1], gamma=0.1)
]
# AdamW converges within the few hundred iterations a CPU run affords (as
# in the toy QDTrack config); the paper's SGD schedule is in
# masa_r50_8xb8-12e_sa1b.py.
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=4e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
# 960 images, 2 per batch: 480 iterations per epoch (about 0.6 s each). A
# checkpoint every 100 iterations: a killed run resumes with
# `tools/train.py CONFIG --resume` (mid-epoch); the last one is iter_960.pth.
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100, by_epoch=False, max_keep_ckpts=2))
randomness = dict(seed=0)
