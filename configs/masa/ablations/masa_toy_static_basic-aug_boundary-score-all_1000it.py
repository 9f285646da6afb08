# masa_toy_static_basic-aug_boundary-score_1000it.py on all 960 training
# frames instead of every 8th (still independent images: no ids, no order,
# no video). Write the proposal file first (about 8 min on one core):
#   python tools/masa/make_proposals.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_felzenszwalb_boundary_all.json \
#       --every 1 --scales 50 150 --sigma 0.5 --score boundary \
#       --area-weight 0.25
_base_ = './masa_toy_static_basic-aug_boundary-score_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_felzenszwalb_boundary_all.json'))
