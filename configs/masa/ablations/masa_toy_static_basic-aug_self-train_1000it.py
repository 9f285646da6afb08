# One round of self-training (as in CutLER): the proposals are the boxes
# that the distillation head of a weight-free run proposes on the same
# unlabeled frames (masa_toy_static_basic-aug_boundary-score-all_1000it.py,
# its iter_1000.pth), instead of the segmentation's, on every 8th training
# frame (120 images). Boxes without masks, so the dataset is the one of the
# ground-truth-box ablation (masa_toy_static_gt-boxes_basic-aug_1000it.py)
# with its file swapped. Write it first:
#   A=configs/masa/ablations
#   W=work_dirs/masa_toy_basic-aug_boundary-score-all_1000it
#   python tools/masa/make_proposals.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_self-train.json \
#       --every 8 --source masa \
#       --masa-config \
#       $A/masa_toy_static_basic-aug_boundary-score-all_1000it.py \
#       --masa-checkpoint $W/iter_1000.pth
_base_ = './masa_toy_static_gt-boxes_basic-aug_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_self-train.json'))
