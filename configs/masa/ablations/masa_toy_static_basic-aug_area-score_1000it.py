# Proposals scored for whole objects: the basic-augmentation run on the long
# schedule (masa_toy_static_basic-aug_1000it.py) with a proposal file whose
# weight-free scores include the box area (make_proposals --area-weight
# 0.5: contrast x sqrt(fill) x sqrt(relative area)), so NMS, the cap of 200
# and the 100 kept per image prefer whole objects to their parts.
# One change: the proposal file. Write it first (docs/masa_data.md):
#   python tools/masa/make_proposals.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_felzenszwalb_area.json \
#       --every 8 --scales 50 150 --sigma 0.5 --area-weight 0.5
_base_ = './masa_toy_static_basic-aug_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_felzenszwalb_area.json'))
