# MOT17 half split: train on the first half of each training sequence,
# validate on the second half (pedestrians only). Prepare with
#   python tools/convert_mot17.py data/MOT17
# which writes data/MOT17/annotations/{train,half-train,half-val,test}_
# cocoformat.json and data/MOT17/train/<SEQ>/gt/gt_half-{train,val}.txt.
# Half split of a sequence of n frames: frames 1..n//2+1 train, the rest
# validate (rule of the public QDTrack/mmtracking converter); frame numbers
# stay those of the original sequence in results and gt files.
# Augmentation of the public QDTrack MOT17 config: reference frame within
# +-10 frames, random resize to (1088, 1088) x [0.8, 1.2] keeping the aspect
# ratio, photometric distortion, a 1088x1088 crop placed independently on
# key and reference frame, horizontal flip 0.5.
# Public-detection protocol: set
#   val_dataloader.dataset.public_det_file='train/{video}/det/det.txt'
# to attach det/det.txt boxes to every frame (`public_detections`).
dataset_type = 'CocoVideoDataset'
data_root = 'data/MOT17/'
classes = ('pedestrian', )
img_scale = (1088, 1088)
backend_args = None

train_pipeline = [
    dict(
        type='UniformRefFrameSample',
        num_ref_imgs=1,
        frame_range=10,
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
        # different crop positions for the key and the reference frame
        share_random_params=False,
        transforms=[
            dict(
                type='RandomCrop',
                crop_size=img_scale[::-1],
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
        ann_file='annotations/half-train_cocoformat.json',
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
        ann_file='annotations/half-val_cocoformat.json',
        data_prefix=dict(img_path=''),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='MOTChallengeMetric',
    gt_root=data_root + 'train',
    gt_file='gt_half-val.txt')
test_evaluator = val_evaluator
