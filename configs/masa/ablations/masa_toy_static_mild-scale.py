# Ablation of masa_toy_static.py: MASA's strong augmentation with the mild
# scale jitter of the basic one (0.8-1.25 instead of 0.1-2.0; random
# affine, MixUp and HSV jitter kept). Tells whether the large-scale jitter,
# set for large photos, is what costs the toy's small people.
_base_ = '../masa_toy_static.py'

train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='TwoViews', transforms=[
            dict(t, ratio_range=(0.8, 1.25)) if t['type'] == 'RandomResize'
            else t for t in _base_.masa_view_transforms]),
        _base_.masa_pack_views,
    ]))
