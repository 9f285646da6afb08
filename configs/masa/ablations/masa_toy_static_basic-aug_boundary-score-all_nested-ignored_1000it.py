# The weight-free proposals with nested pairs left out: masa_toy_static_
# basic-aug_boundary-score-all_1000it.py with the one change of
# ..._self-train-all_nested-ignored_1000it.py (a pair of two different
# proposals overlapping by at least half of the smaller one is left out of
# the track losses instead of counting as a negative). The segmentation's
# regions and their merges are nested by construction.
_base_ = './masa_toy_static_basic-aug_boundary-score-all_1000it.py'

model = dict(track_head=dict(embed_head=dict(ignore_nested_iof=0.5)))
