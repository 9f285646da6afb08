# QDTrack on TAO (paper: 16.1 Track AP50 on val), the public recipe of
# SysCV/qdtrack (configs/tao/qdtrack_frcnn_r101_fpn_12e_tao_ft.py):
# 1. QDTrack with a Faster R-CNN R-101-FPN is first trained 24 epochs on
#    LVIS v0.5 + COCO 2017 train (TAO's merge_coco_with_lvis.py), 482
#    classes (configs/tao/qdtrack_frcnn_r101_fpn_24e_lvis.py there);
# 2. this config fine-tunes it on TAO train for 12 epochs with the detector
#    frozen (only the track head learns): SGD lr 0.002, momentum 0.9, wd
#    1e-4, linear warmup 1000 iterations, lr x0.1 after epochs 8 and 11,
#    no gradient clipping, total batch 16 (8 GPUs x 2), frames repeated by
#    class frequency (repeat factor sampling, oversample_thr 1e-3).
# Vocabulary: the 482 TAO categories (annotated in train / validation or
# listed in test_categories.json), written by
#   python tools/convert_tao.py classes data/tao/annotations \
#       data/tao/annotations/tao_classes.txt
# Tracker: the TAO preset (configs/_base_/trackers/qdtrack_tao.py).
# Testing: frames resized to fit 1333x800, 300 boxes per image from score
# 1e-4, as in the public config.
_base_ = [
    '../_base_/models/qdtrack_faster-rcnn_r50_fpn.py',
    '../_base_/trackers/qdtrack_tao.py',
    '../_base_/datasets/tao.py',
    '../_base_/schedules/schedule_12e.py',
    '../_base_/default_runtime.py',
]

tao_classes = 'data/tao/annotations/tao_classes.txt'  # one name a line
num_classes = 482

model = dict(
    freeze_detector=True,
    detector=dict(
        backbone=dict(
            depth=101,
            # ImageNet weights of torchvision's ResNet-101; the checkpoint
            # of step 1 (load_from) replaces them
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.pytorch.org/models/'
                'resnet101-63fe2227.pth')),
        roi_head=dict(bbox_head=dict(num_classes=num_classes)),
        test_cfg=dict(
            rcnn=dict(
                score_thr=0.0001,
                nms=dict(type='nms', iou_threshold=0.5),
                max_per_img=300))),
    tracker=dict(_delete_=True, **_base_.tao_tracker))

# Step 1's checkpoint, the file the public recipe loads (linked from
# configs/tao/README.md of SysCV/qdtrack):
#   ckpts/tao/
#   qdtrack_r101_fpn_24e_pretrain-lvis+coco_20210811_132004-dc63f8a0.pth
# It is an mmdet 2.x checkpoint: rename its keys to this model's
# (detector.backbone.*, detector.neck.*, detector.rpn_head.*,
# detector.roi_head.bbox_head.*, track_head.*) before training.
load_from = ('ckpts/tao/qdtrack_r101_fpn_24e_pretrain-lvis+coco_'
             '20210811_132004-dc63f8a0.pth')

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedVideoDataset',
        oversample_thr=1e-3,
        dataset=dict(
            type=_base_.dataset_type,
            data_root=_base_.data_root,
            metainfo=dict(classes=tao_classes),
            ann_file='annotations/train.json',
            data_prefix=dict(img_path='frames/'),
            pipeline=_base_.train_pipeline)))

test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile', backend_args=None),
            dict(type='Resize', scale=(1333, 800), keep_ratio=True),
            dict(type='LoadTrackAnnotations')
        ]),
    dict(
        type='PackTrackInputs',
        meta_keys=('video_name', 'mot_frame_id', 'frame_index'))
]
val_dataloader = dict(
    dataset=dict(
        metainfo=dict(classes=tao_classes), pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    optimizer=dict(lr=0.002), clip_grad=None)
