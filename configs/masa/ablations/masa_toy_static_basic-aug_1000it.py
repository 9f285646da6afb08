# The basic-augmentation ablation trained on the long schedule of
# masa_toy_static_1000it.py (1000 iterations, lr / 10 after 800), to see
# whether its lead over strong augmentation at 120 iterations holds.
_base_ = './masa_toy_static_basic-aug.py'

max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=40),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[800], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=100, max_keep_ckpts=10))
