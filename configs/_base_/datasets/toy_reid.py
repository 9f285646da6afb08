# ReID crops of the toy benchmark. Train: SimpleReID pseudo-labels of the toy
# training videos (their det.txt linked by SORT, no identities used); val:
# ground-truth boxes and identities of the held-out videos. Make both with
# tools/simplereid/pseudo_label.py (see docs/simplereid.md).
dataset_type = 'PseudoReIDDataset'
data_root = 'data/toy/'
crop_scale = (32, 64)  # (w, h): toy pedestrians are ~17 x 49 px

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropBox', scale=crop_scale),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmdet.PackReIDInputs', meta_keys=('img_path', 'flip'))
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropBox', scale=crop_scale),
    dict(type='mmdet.PackReIDInputs', meta_keys=('img_path', ))
]

train_dataloader = dict(
    batch_size=32,  # num_ids x num_instances of the sampler
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='PKSampler', num_ids=8, num_instances=4),
    dataset=dict(
        type=dataset_type,
        ann_file=data_root + 'simplereid/train_pseudo.json',
        data_prefix=dict(img_path=''),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=data_root + 'simplereid/val_gt.json',
        data_prefix=dict(img_path=''),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='mmdet.ReIDMetrics',
    metric=['mAP', 'CMC'],
    metric_options=dict(rank_list=[1, 5], max_rank=5))
test_evaluator = val_evaluator
