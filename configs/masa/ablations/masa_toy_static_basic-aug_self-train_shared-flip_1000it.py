# masa_toy_static_basic-aug_self-train_1000it.py with one change: the two
# views of an image are flipped together (the image is flipped with
# probability 0.5 before it is augmented twice) instead of each on its own.
# MASA's public code flips each view independently, so half of its
# positive pairs are mirror images of each other, which no two frames of a
# video are; QDTrack flips a key and its reference frame together
# (configs/_base_/datasets/toy_mot.py). Everything else as in the basic
# augmentation (masa_toy_static_basic-aug.py).
_base_ = './masa_toy_static_basic-aug_self-train_1000it.py'

masa_img_scale = (320, 240)
train_dataloader = dict(
    dataset=dict(
        pipeline=[
            dict(type='RandomFlip', prob=0.5),
            dict(
                type='TwoViews',
                transforms=[
                    dict(type='RandomResize', scale=masa_img_scale,
                         ratio_range=(0.8, 1.25), keep_ratio=True,
                         clip_object_border=False),
                    dict(type='RandomCrop', crop_size=masa_img_scale,
                         bbox_clip_border=False, allow_negative_crop=True),
                    dict(type='FilterViewInstances', min_size=2.0),
                    dict(type='Pad', size=masa_img_scale,
                         pad_val=dict(img=(114, 114, 114))),
                ]),
            _base_.masa_pack_views,
        ]))
