# The ideal segmenter of masa_toy_static_gt-boxes_basic-aug_1000it.py on a
# 1.5x longer schedule: 1500 iterations, the lr divided by 10 after 1200
# (the 1000-iteration schedule stretched). Asks whether whole-object
# instances alone, trained longer, reach the toy goal (docs/masa.md).
_base_ = './masa_toy_static_gt-boxes_basic-aug_1000it.py'

train_cfg = dict(max_iters=1500, val_interval=1501)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=40),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=1500,
         milestones=[1200], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=100, max_keep_ckpts=6))
