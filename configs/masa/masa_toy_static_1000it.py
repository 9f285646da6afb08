# The toy MASA training run long enough to converge on 2 CPU cores: 1000
# iterations of 2 pairs (about 17 epochs of the 120 proposal images), the
# lr divided by 10 after 800. Same model, data and augmentation as
# masa_toy_static.py (120 iterations), whose short schedule is kept for the
# ablations of configs/masa/ablations/. About 5 CPU s per iteration
# (training step plus the data workers): ~85 min on one free core.
_base_ = './masa_toy_static.py'

max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=40),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[800], gamma=0.1),
]
# a checkpoint every 100 iterations, the last 3 kept (to compare
# checkpoints along the schedule, keep more:
# --cfg-options default_hooks.checkpoint.max_keep_ckpts=10)
default_hooks = dict(checkpoint=dict(interval=100, max_keep_ckpts=3))
