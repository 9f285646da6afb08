# masa_toy_static_basic-aug_self-train_1000it.py on all 960 training frames
# instead of every 8th (still independent images: no ids, no order, no
# video): the distillation head of the same weight-free run proposes on
# every frame. Write the box file first:
#   A=configs/masa/ablations
#   W=work_dirs/masa_toy_basic-aug_boundary-score-all_1000it
#   python tools/masa/make_proposals.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_self-train_all.json \
#       --every 1 --source masa \
#       --masa-config \
#       $A/masa_toy_static_basic-aug_boundary-score-all_1000it.py \
#       --masa-checkpoint $W/iter_1000.pth
_base_ = './masa_toy_static_basic-aug_self-train_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_self-train_all.json'))
