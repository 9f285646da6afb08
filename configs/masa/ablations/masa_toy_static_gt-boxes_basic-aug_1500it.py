# The ideal segmenter of masa_toy_static_gt-boxes_basic-aug_1000it.py on a
# 1.5x longer schedule (_base_/schedules/masa_toy_1500it.py: 1500
# iterations, lr / 10 after 1200). Asks whether whole-object instances
# alone, trained longer, reach the toy goal (docs/masa.md).
_base_ = [
    './masa_toy_static_gt-boxes_basic-aug_1000it.py',
    '../../_base_/schedules/masa_toy_1500it.py'
]

train_cfg = _base_.masa_toy_1500it.train_cfg
param_scheduler = _base_.masa_toy_1500it.param_scheduler
default_hooks = _base_.masa_toy_1500it.default_hooks
