# masa_toy_static_basic-aug_self-train_1000it.py with one change: the two
# views of an image are flipped together (the image is flipped with
# probability 0.5 before it is augmented twice) instead of each on its own.
# MASA's public code flips each view independently, so half of its
# positive pairs are mirror images of each other, which no two frames of a
# video are; QDTrack flips a key and its reference frame together
# (configs/_base_/datasets/toy_mot.py). Everything else as in the basic
# augmentation (masa_toy_static_basic-aug.py).
_base_ = './masa_toy_static_basic-aug_self-train_1000it.py'

train_dataloader = dict(
    dataset=dict(
        pipeline=[
            dict(type='RandomFlip', prob=0.5),
            dict(
                type='TwoViews',
                transforms=_base_.masa_basic_resize_crop +
                _base_.masa_basic_view_end),
            _base_.masa_pack_views,
        ]))
