# Proposals scored by the edge strength along their outline: the
# area-scored run (masa_toy_static_basic-aug_area-score_1000it.py) with
# one change, a proposal file whose weight-free score is boundary strength
# x sqrt(fill) x (relative area)^0.25 instead of colour contrast x
# sqrt(fill) x sqrt(relative area) (both settings tuned on 24 training
# frames; docs/masa_data.md section 4). Write it first:
#   python tools/masa/make_proposals.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_felzenszwalb_boundary.json \
#       --every 8 --scales 50 150 --sigma 0.5 --score boundary \
#       --area-weight 0.25
_base_ = './masa_toy_static_basic-aug_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_felzenszwalb_boundary.json'))
