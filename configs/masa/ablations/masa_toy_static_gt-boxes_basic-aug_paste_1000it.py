# Context breaking on the ideal segmenter: masa_toy_static_gt-boxes_basic-
# aug_1000it.py with one change, each view first pastes its instances onto
# another training image with probability 0.5 (PasteOnOtherImage: boxes
# keep their pixels, everything else is the other image), so the two views
# of a still image no longer share every instance's surroundings, as two
# frames of a walking person do not (docs/masa.md).
_base_ = './masa_toy_static_gt-boxes_basic-aug_1000it.py'

masa_img_scale = (320, 240)
train_dataloader = dict(
    dataset=dict(
        num_mix_images=1,
        pipeline=[
            dict(
                type='TwoViews',
                transforms=[
                    dict(type='PasteOnOtherImage', prob=0.5, keep_prob=1.0),
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
