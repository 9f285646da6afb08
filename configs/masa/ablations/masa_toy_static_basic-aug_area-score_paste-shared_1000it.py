# Context breaking on weight-free proposals: masa_toy_static_basic-aug_area-
# score_1000it.py with one change, each view first pastes a subset of the
# image's proposals onto another training image with probability 0.5
# (PasteOnOtherImage). The 100 proposals of an image tile it, so the subset
# is small (each proposal kept with probability 0.2) and the same in both
# views (same_subset): two independent small subsets would share few
# instances. The ideal-segmenter run with copy-paste is
# masa_toy_static_gt-boxes_basic-aug_paste_1000it.py (docs/masa.md).
_base_ = './masa_toy_static_basic-aug_area-score_1000it.py'

masa_img_scale = (320, 240)
train_dataloader = dict(
    dataset=dict(
        num_mix_images=1,
        pipeline=[
            dict(
                type='TwoViews',
                transforms=[
                    dict(type='PasteOnOtherImage', prob=0.5, keep_prob=0.2,
                         same_subset=True),
                    dict(type='RandomResize', scale=masa_img_scale,
                         ratio_range=(0.8, 1.25), keep_ratio=True,
                         clip_object_border=False),
                    dict(type='RandomCrop', crop_size=masa_img_scale,
                         bbox_clip_border=False, allow_negative_crop=True),
                    dict(type='RandomFlip', prob=0.5),
                    dict(type='FilterViewInstances', min_size=2.0),
                    dict(type='Pad', size=masa_img_scale,
                         pad_val=dict(img=(114, 114, 114))),
                ]),
            _base_.masa_pack_views,
        ]))
