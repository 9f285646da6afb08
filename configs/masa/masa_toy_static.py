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

# 120 iterations of 2 pairs (240 images seen, 2 epochs of the 120 proposal
# images), linear warmup then a constant lr. One step costs ~3.6 CPU s (1
# thread, plus ~0.75 CPU s per pair in the data workers): ~8 min on a free
# core, 40-70 min on the shared 2-core machine at load 8-10 (docs/masa.md).
max_iters = 120
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
    val_interval=max_iters + 1)
# no validation (mmengine's iteration loop would still validate after the
# last iteration, ~4-9 min of CPU): test with masa_toy_given-obs.py
val_dataloader = None
val_cfg = None
val_evaluator = None
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=40)
]
# AdamW converges within the few hundred iterations a CPU run affords (as
# in the toy QDTrack config); the paper's SGD schedule is in
# masa_r50_8xb8-12e_sa1b.py.
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=4e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
# a checkpoint every 40 iterations (the last one is iter_120.pth): a killed
# run resumes with `tools/train.py CONFIG --resume`
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=40, by_epoch=False, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
