# TAO (Tracking Any Object): LVIS categories labelled at ~1 fps, federated
# labels (per-video negative / not-exhaustive category lists).
# Layout (docs/data_formats.md):
#   data/tao/frames/{train,val,test}/<source>/<video>/<frame>.jpg
#   data/tao/annotations/{train,validation}.json         TAO's own files
#   data/tao/annotations/test_without_annotations.json   test split
# TAODataset reads TAO's JSON directly (converted to CocoVID on load; or
# convert once with `python tools/convert_tao.py tao2coco ...`). Without
# metainfo it takes every category of the file as a class (in id order).
# Only the labelled frames of the JSON are tracked, as in the public code.
# TAOMetric writes <outfile_dir>/tao_results.json and scores it with TETA
# and Track mAP (qdtrack.evaluation.functional.{teta, tao_track_map}).
# Pipelines as in the public QDTrack TAO configs: the reference frame is a
# neighbouring labelled frame (+-1), multi-scale training with the shorter
# side in 640..800 (longer side <= 1333), flip 0.5; testing fits frames into
# 1080x1080. The public code also fine-tunes with a class-balanced sampler
# (repeat factor, oversample_thr=1e-3) and pre-trains on LVIS + COCO.
# Test server: set test_dataloader.dataset.ann_file and
# test_evaluator.ann_file to 'annotations/test_without_annotations.json' and
# run tools/test.py with --format-only --out DIR.
dataset_type = 'TAODataset'
data_root = 'data/tao/'
train_scales = [(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                (1333, 768), (1333, 800)]
img_scale = (1080, 1080)
backend_args = None

train_pipeline = [
    dict(
        type='UniformRefFrameSample',
        num_ref_imgs=1,
        frame_range=1,
        filter_key_img=True),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile', backend_args=backend_args),
            dict(type='LoadTrackAnnotations'),
            dict(
                type='RandomChoiceResize',
                scales=train_scales,
                keep_ratio=True)
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
        meta_keys=('video_name', 'mot_frame_id', 'frame_index'))
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

val_evaluator = dict(
    type='TAOMetric', ann_file=data_root + 'annotations/validation.json')
test_evaluator = val_evaluator
