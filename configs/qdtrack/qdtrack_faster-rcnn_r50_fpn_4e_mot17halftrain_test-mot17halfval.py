# QDTrack on MOT17 (paper Sec. 4, public QDTrack config
# configs/mot17/qdtrack-frcnn_r50_fpn_4e_mot17.py): Faster R-CNN R-50-FPN,
# pedestrians only, trained 4 epochs on MOT17 half-train (lr x0.1 after
# epoch 3) and evaluated on half-val. 8 GPUs x 2 videos, SGD lr 0.02
# (mmdet 3.x; the public mmdet 2.x config used 0.002), warmup and gradient
# clipping (max norm 35). The detector starts from mmdet's COCO person
# Faster R-CNN (caffe-style ResNet-50, BGR input without std scaling), as
# in the public configs. Track manager: the MOT17 preset
# (configs/_base_/trackers/qdtrack_mot17.py, new tracks from score 0.9),
# already used by the model base.
#   python tools/convert_mot17.py data/MOT17
#   bash tools/dist_train.sh <this config> 8
_base_ = [
    '../_base_/models/qdtrack_faster-rcnn_r50_fpn.py',
    '../_base_/datasets/mot17_halftrain_halfval.py',
    '../_base_/schedules/schedule_mot17_4e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor=dict(
        mean=[103.530, 116.280, 123.675],
        std=[1.0, 1.0, 1.0],
        bgr_to_rgb=False),
    detector=dict(
        backbone=dict(
            norm_cfg=dict(type='BN', requires_grad=False),
            style='caffe',
            init_cfg=dict(
                type='Pretrained',
                checkpoint='open-mmlab://detectron2/resnet50_caffe')),
        roi_head=dict(bbox_head=dict(num_classes=1)),
        # the converter writes distractors (classes 2, 7, 8, 12) and
        # consider-0 pedestrians as ignore regions: anchors and RoIs mostly
        # inside one (IoF > 0.5) are neither positives nor negatives
        train_cfg=dict(
            rpn=dict(assigner=dict(ignore_iof_thr=0.5)),
            rcnn=dict(assigner=dict(ignore_iof_thr=0.5))),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmdetection/v2.0/'
            'faster_rcnn/faster_rcnn_r50_fpn_1x_coco-person/'
            'faster_rcnn_r50_fpn_1x_coco-person_20201216_175929-d022e227.pth'
        )),
    track_head=dict(train_cfg=dict(assigner=dict(ignore_iof_thr=0.5))))

# 2 videos (a key and a reference frame each) per GPU, 8 GPUs
train_dataloader = dict(batch_size=2)
optim_wrapper = dict(optimizer=dict(lr=0.02))
auto_scale_lr = dict(enable=False, base_batch_size=16)
