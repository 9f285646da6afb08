# Ablation of masa_toy_static.py: MASA's strong augmentation without its
# HSV jitter (random affine, MixUp, large-scale jitter 0.1-2.0, crop, flip
# kept). Between the main row and the basic-augmentation ablation: tells
# whether the colour jitter alone costs the toy embeddings their lead.
_base_ = '../masa_toy_static.py'

dropped = 'YOLOXHSVRandomAug'
train_dataloader = dict(
    dataset=dict(
        pipeline=[
            dict(type='TwoViews', transforms=[
                t for t in _base_.masa_view_transforms
                if t['type'] != dropped]),
            _base_.masa_pack_views,
        ]))
