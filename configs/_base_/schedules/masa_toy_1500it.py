# The long toy MASA schedule stretched by 1.5: 1500 iterations of 2 pairs,
# the lr divided by 10 after 1200, a checkpoint every 100 iterations (the
# last 3 kept; the measured run kept 6, to compare checkpoints before and
# after the lr drop: --cfg-options default_hooks.checkpoint.max_keep_ckpts=6).
# Used as masa_toy_1000it.py is:
#   _base_ = ['./X.py', '../../_base_/schedules/masa_toy_1500it.py']
#   train_cfg = _base_.masa_toy_1500it.train_cfg   (and the two others)
masa_toy_1500it = dict(
    train_cfg=dict(max_iters=1500, val_interval=1501),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=40),
        dict(type='MultiStepLR', by_epoch=False, begin=0, end=1500,
             milestones=[1200], gamma=0.1),
    ],
    default_hooks=dict(checkpoint=dict(interval=100, max_keep_ckpts=3)))
