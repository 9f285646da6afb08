# BDD100K box tracking (8 classes), converted to CocoVID by
#   python tools/convert_bdd100k.py data/bdd100k --splits train val
# Layout: data/bdd100k/images/track/{train,val,test}/<video>/*.jpg,
#         data/bdd100k/labels/box_track_20/{train,val}/<video>.json,
#         data/bdd100k/annotations/box_track_{split}_cocofmt.json.
# Crowd boxes and ignored classes (other person, other vehicle, trailer) are
# kept as iscrowd/ignore annotations. BDD100KMetric writes one scalabel JSON
# per video and scores it against the original label folder with the rules
# of the official toolkit (qdtrack.evaluation.functional.bdd100k_mot).
# As in the public QDTrack BDD100K config: reference frame within +-3 frames,
# images resized to fit 1296x720 (BDD100K frames are 1280x720), flip 0.5.
# Test server: set test_dataloader.dataset.ann_file to
# 'annotations/box_track_test_cocofmt.json' and run tools/test.py with
# --format-only --out DIR, then zip DIR/*.json.
dataset_type = 'CocoVideoDataset'
data_root = 'data/bdd100k/'
classes = ('pedestrian', 'rider', 'car', 'truck', 'bus', 'train',
           'motorcycle', 'bicycle')
img_scale = (1296, 720)
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
            dict(type='Resize', scale=img_scale, keep_ratio=True)
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
        metainfo=dict(classes=classes),
        ann_file='annotations/box_track_train_cocofmt.json',
        data_prefix=dict(img_path='images/track/'),
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
        ann_file='annotations/box_track_val_cocofmt.json',
        data_prefix=dict(img_path='images/track/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='BDD100KMetric', ann_file=data_root + 'labels/box_track_20/val/')
test_evaluator = val_evaluator
