# Ablation of masa_toy_static.py: the ground-truth boxes of the same 120
# training frames instead of the weight-free proposals (an ideal
# segmenter's upper bound; boxes only, so views' boxes are warped corners).
# Write the file first (docs/masa_data.md, section 3):
#   python tools/masa/select_images.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_felzenszwalb.json \
#       data/toy/annotations/masa_gt_boxes.json --drop-ignored
_base_ = '../masa_toy_static.py'

train_dataloader = dict(dataset=_base_.masa_gt_boxes_dataset)
