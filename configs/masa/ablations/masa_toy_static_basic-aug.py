# Ablation of masa_toy_static.py: basic augmentation of each view (mild
# scale jitter 0.8-1.25, crop, flip) instead of MASA's strong one (random
# affine, MixUp, HSV, large-scale jitter 0.1-2.0, crop, flip).
_base_ = '../masa_toy_static.py'

masa_img_scale = (320, 240)
# the view transforms, a variable so that ablations can prepend to them
masa_basic_view_transforms = [
    dict(type='RandomResize', scale=masa_img_scale, ratio_range=(0.8, 1.25),
         keep_ratio=True, clip_object_border=False),
    dict(type='RandomCrop', crop_size=masa_img_scale, bbox_clip_border=False,
         allow_negative_crop=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='FilterViewInstances', min_size=2.0),
    dict(type='Pad', size=masa_img_scale, pad_val=dict(img=(114, 114, 114))),
]
train_dataloader = dict(
    dataset=dict(
        num_mix_images=0,
        pipeline=[
            dict(
                type='TwoViews',
                transforms=masa_basic_view_transforms),
            _base_.masa_pack_views,
        ]))
