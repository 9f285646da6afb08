# Parts are not negatives of their whole: masa_toy_static_basic-aug_self-
# train-all_1000it.py with one change, a pair of two different boxes that
# overlap by at least half of the smaller one (a part inside its person,
# a person inside a large background box; 18 % of the pairs of the
# self-trained boxes) is left out of the track losses instead of counting
# as a negative (QuasiDenseEmbedHead(ignore_nested_iof=0.5)).
_base_ = './masa_toy_static_basic-aug_self-train-all_1000it.py'

model = dict(track_head=dict(embed_head=dict(ignore_nested_iof=0.5)))
