# All 200 proposals per image of the area-scored file instead of the best
# 100 (masa_toy_static_basic-aug_area-score_1000it.py): 40.6 % of the true
# boxes found at IoU 0.5 instead of 24.9 %, with more parts of objects too
# (docs/masa_data.md). One change: max_instances.
_base_ = './masa_toy_static_basic-aug_area-score_1000it.py'

train_dataloader = dict(dataset=dict(max_instances=200))
