# QDTrack on BDD100K box tracking (paper: 36.6 mMOTA / 50.8 mIDF1 on val).
# Faster R-CNN R-50-FPN from ImageNet, 8 classes, total batch 16 (2 x 8 GPUs),
# lr 0.02, 12 epochs. As in the paper, training mixes the box-tracking
# videos with the 100k detection images; each still image is a video of one
# frame, so its reference frame is the key frame itself (identical pair).
# Convert both label sets first:
#   python tools/convert_bdd100k.py data/bdd100k --splits train val \
#       --det-splits train
# (writes annotations/box_track_{train,val}_cocofmt.json and
# annotations/det_train_cocofmt.json; the detection images live in
# data/bdd100k/images/100k/train/). To train on the videos alone, set
# train_dataloader.dataset to _base_.train_dataloader.dataset.
# Validation reports detection AP (bbox) and the tracking metrics (track).
_base_ = [
    '../_base_/models/qdtrack_faster-rcnn_r50_fpn.py',
    '../_base_/trackers/qdtrack_bdd100k.py',
    '../_base_/datasets/bdd100k_mot.py',
    '../_base_/schedules/schedule_12e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    detector=dict(roi_head=dict(bbox_head=dict(num_classes=8))),
    tracker=dict(_delete_=True, **_base_.bdd100k_tracker))

det_images = dict(
    type=_base_.dataset_type,
    data_root=_base_.data_root,
    metainfo=dict(classes=_base_.classes),
    ann_file='annotations/det_train_cocofmt.json',
    data_prefix=dict(img_path='images/100k/'),
    pipeline=_base_.train_pipeline)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='VideoConcatDataset',
        datasets=[_base_.train_dataloader.dataset, det_images]))

val_evaluator = dict(metric=['bbox', 'track'])
test_evaluator = val_evaluator
