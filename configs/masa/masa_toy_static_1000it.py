# The toy MASA training run long enough to converge on 2 CPU cores: the
# schedule of _base_/schedules/masa_toy_1000it.py (1000 iterations, lr / 10
# after 800). Same model, data and augmentation as masa_toy_static.py (120
# iterations), whose short schedule is kept for the ablations of
# configs/masa/ablations/. About 5 CPU s per iteration (training step plus
# the data workers): ~85 min on one free core.
_base_ = ['./masa_toy_static.py', '../_base_/schedules/masa_toy_1000it.py']

train_cfg = _base_.masa_toy_1000it.train_cfg
param_scheduler = _base_.masa_toy_1000it.param_scheduler
default_hooks = _base_.masa_toy_1000it.default_hooks
