# Proposals re-ranked for whole objects: the basic-augmentation run on the
# long schedule (masa_toy_static_basic-aug_1000it.py) keeping, per image,
# the 100 proposals with the highest score x sqrt(box area) instead of the
# highest score. The weight-free source's contrast score favours small
# segments (parts of people); this ranking recalls 22.7 % of the true boxes
# instead of 11.3 % (docs/masa_data.md). One change: the ranking.
_base_ = './masa_toy_static_basic-aug_1000it.py'

train_dataloader = dict(dataset=dict(area_weight=0.5))
