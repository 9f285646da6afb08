# Context breaking on the ideal segmenter: masa_toy_static_gt-boxes_basic-
# aug_1000it.py with one change, each view first pastes its instances onto
# another training image with probability 0.5 (PasteOnOtherImage: boxes
# keep their pixels, everything else is the other image), so the two views
# of a still image no longer share every instance's surroundings, as two
# frames of a walking person do not (docs/masa.md).
_base_ = './masa_toy_static_gt-boxes_basic-aug_1000it.py'

train_dataloader = dict(
    dataset=dict(
        num_mix_images=1,
        pipeline=[
            dict(
                type='TwoViews',
                transforms=[
                    dict(type='PasteOnOtherImage', prob=0.5, keep_prob=1.0)
                ] + _base_.masa_basic_view_transforms),
            _base_.masa_pack_views,
        ]))
