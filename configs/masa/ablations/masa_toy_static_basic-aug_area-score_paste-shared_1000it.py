# Context breaking on weight-free proposals: masa_toy_static_basic-aug_area-
# score_1000it.py with one change, each view first pastes a subset of the
# image's proposals onto another training image with probability 0.5
# (PasteOnOtherImage). The 100 proposals of an image tile it, so the subset
# is small (each proposal kept with probability 0.2) and the same in both
# views (same_subset): two independent small subsets would share few
# instances. The ideal-segmenter run with copy-paste is
# masa_toy_static_gt-boxes_basic-aug_paste_1000it.py (docs/masa.md).
_base_ = './masa_toy_static_basic-aug_area-score_1000it.py'

train_dataloader = dict(
    dataset=dict(
        num_mix_images=1, pipeline=_base_.masa_paste_shared_pipeline))
