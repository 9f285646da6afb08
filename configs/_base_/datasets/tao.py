# TAO (Tracking Any Object): LVIS categories labelled at ~1 fps, federated
# labels (per-video negative / not-exhaustive category lists).
# Layout (data/README.md):
#   data/tao/frames/{train,val,test}/<source>/<video>/<frame>.jpg
#   data/tao/annotations/{train,validation}.json         TAO's own files
# TAODataset reads TAO's JSON directly (converted to CocoVID on load; or
# convert once with `python tools/convert_tao.py tao2coco ...`). Without
# metainfo it takes every category of the file as a class.
# Results are written with qdtrack.evaluation.writers.tao and scored with
# qdtrack.evaluation.functional.{teta, tao_track_map}.
dataset_type = 'TAODataset'
data_root = 'data/tao/'
img_scale = (1333, 800)
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
        type='PackTrackInputs', meta_keys=('video_name', 'frame_index'))
]

train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/train.json',
        data_prefix=dict(img_path='frames/'),
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
        ann_file='annotations/validation.json',
        data_prefix=dict(img_path='frames/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
