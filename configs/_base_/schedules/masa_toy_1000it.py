# The long toy MASA schedule, for configs that inherit masa_toy_static.py
# or one of its ablations: 1000 iterations of 2 pairs (about 17 epochs of
# the 120 proposal images), the lr divided by 10 after 800, a checkpoint
# every 100 iterations (the last 3 kept; to compare checkpoints along the
# schedule, keep more: --cfg-options
# default_hooks.checkpoint.max_keep_ckpts=10). A variable, not top-level
# keys, so that a config can list it beside its model's base:
#   _base_ = ['./masa_toy_static.py', '../_base_/schedules/masa_toy_1000it.py']
#   train_cfg = _base_.masa_toy_1000it.train_cfg   (and the two others)
masa_toy_1000it = dict(
    train_cfg=dict(max_iters=1000, val_interval=1001),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=40),
        dict(type='MultiStepLR', by_epoch=False, begin=0, end=1000,
             milestones=[800], gamma=0.1),
    ],
    default_hooks=dict(checkpoint=dict(interval=100, max_keep_ckpts=3)))
