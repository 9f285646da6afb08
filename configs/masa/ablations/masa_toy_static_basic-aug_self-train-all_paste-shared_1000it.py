# Context breaking on the self-trained boxes: masa_toy_static_basic-aug_
# self-train-all_1000it.py with one change, each view first pastes a subset
# of the image's boxes onto another training image with probability 0.5
# (PasteOnOtherImage, as masa_toy_static_basic-aug_area-score_paste-
# shared_1000it.py does for the weight-free proposals): about 100 boxes per
# image cover most of it, so each is kept with probability 0.2, the same
# subset in both views.
_base_ = './masa_toy_static_basic-aug_self-train-all_1000it.py'

train_dataloader = dict(
    dataset=dict(
        num_mix_images=1, pipeline=_base_.masa_paste_shared_pipeline))
