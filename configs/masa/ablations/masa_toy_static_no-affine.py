# Ablation of masa_toy_static.py: MASA's strong augmentation without its
# random affine (rotation, shear, translation, scale 0.5-1.5; MixUp, HSV
# jitter, large-scale jitter, crop and flip kept). With the no-hsv,
# no-mixup and mild-scale ablations it tells which part of the strong
# augmentation costs the toy embeddings.
_base_ = '../masa_toy_static.py'

dropped = 'RandomAffineWithHomography'
train_dataloader = dict(
    dataset=dict(
        pipeline=[
            dict(type='TwoViews', transforms=[
                t for t in _base_.masa_view_transforms
                if t['type'] != dropped]),
            _base_.masa_pack_views,
        ]))
