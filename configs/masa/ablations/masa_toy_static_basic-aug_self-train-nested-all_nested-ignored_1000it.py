# Both stages with nested pairs left out: masa_toy_static_basic-aug_self-
# train-all_nested-ignored_1000it.py trained on the boxes of a teacher that
# also left them out (masa_toy_static_basic-aug_boundary-score-all_nested-
# ignored_1000it.py on the weight-free proposals). Still no labels, ids,
# order or video. Write the box file first:
#   C=configs/masa/ablations/masa_toy_static_basic-aug_boundary-score-all
#   W=work_dirs/masa_toy_basic-aug_boundary-score-all_nested-ignored_1000it
#   python tools/masa/make_proposals.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_self-train-nested_all.json \
#       --every 1 --source masa \
#       --masa-config ${C}_nested-ignored_1000it.py \
#       --masa-checkpoint $W/iter_1000.pth
_base_ = './masa_toy_static_basic-aug_self-train-all_nested-ignored_1000it.py'

train_dataloader = dict(dataset=dict(
    ann_file='annotations/masa_proposals_self-train-nested_all.json'))
