# The basic-augmentation ablation on the long schedule of
# masa_toy_static_1000it.py, to see whether its lead over strong
# augmentation at 120 iterations holds.
_base_ = [
    './masa_toy_static_basic-aug.py',
    '../../_base_/schedules/masa_toy_1000it.py'
]

train_cfg = _base_.masa_toy_1000it.train_cfg
param_scheduler = _base_.masa_toy_1000it.param_scheduler
default_hooks = _base_.masa_toy_1000it.default_hooks
