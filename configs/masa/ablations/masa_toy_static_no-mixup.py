# Ablation of masa_toy_static.py: MASA's strong augmentation without MixUp
# (random affine, HSV jitter, large-scale jitter 0.1-2.0, crop and flip
# kept; no extra image loaded). With the no-hsv and mild-scale ablations it
# tells which part of the strong augmentation costs the toy embeddings.
_base_ = '../masa_toy_static.py'

dropped = 'SharedImageMixUp'
train_dataloader = dict(
    dataset=dict(
        num_mix_images=0,
        pipeline=[
            dict(type='TwoViews', transforms=[
                t for t in _base_.masa_view_transforms
                if t['type'] != dropped]),
            _base_.masa_pack_views,
        ]))
