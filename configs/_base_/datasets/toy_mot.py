# The toy benchmark (python tools/generate_toy.py data/toy), MOT17 layout plus
# CocoVID annotations. Test frames carry the public detections of det.txt.
dataset_type = 'CocoVideoDataset'
data_root = 'data/toy/'
classes = ('pedestrian', 'car', 'bicycle')
img_scale = (320, 240)
backend_args = None

train_pipeline = [
    dict(
        type='UniformRefFrameSample',
        num_ref_imgs=1,
        frame_range=3,
        filter_key_img=True),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile', backend_args=backend_args),
            dict(type='LoadTrackAnnotations'),
            dict(
                type='RandomResize',
                scale=img_scale,
                ratio_range=(0.8, 1.2),
                keep_ratio=True,
                clip_object_border=False),
            dict(type='PhotoMetricDistortion')
        ]),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[
            dict(
                type='RandomCrop', crop_size=img_scale,
                bbox_clip_border=False)
        ]),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[dict(type='RandomFlip', prob=0.5)]),
    dict(type='PackTrackInputs')
]

test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile', backend_args=backend_args),
            dict(type='Resize', scale=img_scale, keep_ratio=True),
            dict(type='LoadTrackAnnotations')
        ]),
    dict(
        type='PackTrackInputs',
        meta_keys=('video_name', 'mot_frame_id', 'frame_index',
                   'public_detections'))
]

train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=dict(classes=classes),
        ann_file='annotations/train_cocoformat.json',
        data_prefix=dict(img_path=''),
        pipeline=train_pipeline))

val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=dict(classes=classes),
        ann_file='annotations/val_cocoformat.json',
        data_prefix=dict(img_path=''),
        public_det_file='val/{video}/det/det.txt',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# MOT17 metrics score pedestrians (label 0) only.
val_evaluator = dict(
    type='MOTChallengeMetric', gt_root=data_root + 'val', labels=[0])
test_evaluator = val_evaluator
