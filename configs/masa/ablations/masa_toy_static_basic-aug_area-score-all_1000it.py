# masa_toy_static_basic-aug_area-score_1000it.py on all 960 training frames
# instead of every 8th (still independent images: no ids, no order, no
# video), as masa_toy_static_gt-boxes-all_basic-aug_1000it.py does for the
# ideal segmenter (docs/masa.md). Write the proposal file first (about 15
# min on 2 cores):
#   python tools/masa/make_proposals.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_felzenszwalb_area_all.json \
#       --every 1 --scales 50 150 --sigma 0.5 --area-weight 0.5
_base_ = './masa_toy_static_basic-aug_area-score_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_felzenszwalb_area_all.json'))
