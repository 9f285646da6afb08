# MASA-SAM-B on given pedestrian boxes of BDD100K box-tracking val (the
# paper evaluates its SAM variants on BDD MOT with given detections; public
# configs/masa-sam/bdd_test/masa_sam_vitb_bdd_mot_test.py): the boxes of a
# COCO detection results file are embedded by the adapter and tracked with
# the MASA BDD preset. Frames are resized to fit 1024 x 1024 and padded to
# it (the encoder's size), as in the public test pipeline. Given boxes carry
# no class: one class is tracked (category 1 = pedestrian of
# tools/convert_bdd100k.py's files, labelled 0); read the pedestrian row of
# BDD100KMetric's per-class table.
#   python tools/test.py THIS_CONFIG sam_vitb_masa_ours.pth --cfg-options \
#       test_dataloader.dataset.public_det_file=DETS.json
_base_ = [
    '../_base_/models/masa_sam_vit-b.py',
    '../_base_/datasets/bdd100k_mot.py',
    '../_base_/default_runtime.py',
]

model = dict(
    box_source='given',
    # the weights come with the tested checkpoint
    backbone=dict(init_cfg=None),
    tracker=_base_.masa_bdd_tracker)

test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(1024, 1024), keep_ratio=True),
            dict(type='LoadTrackAnnotations')
        ]),
    dict(
        type='PackTrackInputs',
        meta_keys=('video_name', 'mot_frame_id', 'frame_index',
                   'public_detections'))
]
val_dataloader = dict(
    dataset=dict(
        pipeline=test_pipeline,
        public_det_file='detections/box_track_val_results.json',
        public_det_cat_ids=[1]))
test_dataloader = val_dataloader

train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
