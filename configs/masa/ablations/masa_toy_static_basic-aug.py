# Ablation of masa_toy_static.py: basic augmentation of each view (mild
# scale jitter 0.8-1.25, crop, flip) instead of MASA's strong one (random
# affine, MixUp, HSV, large-scale jitter 0.1-2.0, crop, flip).
_base_ = '../masa_toy_static.py'

masa_img_scale = (320, 240)
# the view transforms, variables so that ablations can prepend to them or
# move the flip out of them (..._shared-flip_1000it.py)
masa_basic_resize_crop = [
    dict(type='RandomResize', scale=masa_img_scale, ratio_range=(0.8, 1.25),
         keep_ratio=True, clip_object_border=False),
    dict(type='RandomCrop', crop_size=masa_img_scale, bbox_clip_border=False,
         allow_negative_crop=True),
]
masa_basic_view_end = [
    dict(type='FilterViewInstances', min_size=2.0),
    dict(type='Pad', size=masa_img_scale, pad_val=dict(img=(114, 114, 114))),
]
masa_basic_view_transforms = (
    masa_basic_resize_crop + [dict(type='RandomFlip', prob=0.5)] +
    masa_basic_view_end)
# copy-paste of a shared subset of the proposals, for the ..._paste-shared_
# ablations (with num_mix_images=1; why: ..._area-score_paste-shared_
# 1000it.py)
masa_paste_shared_pipeline = [
    dict(
        type='TwoViews',
        transforms=[
            dict(type='PasteOnOtherImage', prob=0.5, keep_prob=0.2,
                 same_subset=True)
        ] + masa_basic_view_transforms),
    _base_.masa_pack_views,
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
