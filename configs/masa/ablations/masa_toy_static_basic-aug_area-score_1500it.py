# The area-scored weight-free proposals of
# masa_toy_static_basic-aug_area-score_1000it.py on the 1.5x longer
# schedule of the ideal-segmenter run (_base_/schedules/masa_toy_1500it.py):
# does the proposal run also keep improving with length (docs/masa.md)?
_base_ = [
    './masa_toy_static_basic-aug_area-score_1000it.py',
    '../../_base_/schedules/masa_toy_1500it.py'
]

train_cfg = _base_.masa_toy_1500it.train_cfg
param_scheduler = _base_.masa_toy_1500it.param_scheduler
default_hooks = _base_.masa_toy_1500it.default_hooks
