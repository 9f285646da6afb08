# QDTrack on TAO (paper: 16.1 Track AP50 on val). TAO's boxes use the LVIS
# v0.5 vocabulary (1230 classes); the public recipe first trains the detector
# on LVIS v0.5 + COCO and then fine-tunes on TAO: set load_from to that
# detector. Total batch 16, lr 0.02, 12 epochs.
_base_ = [
    '../_base_/models/qdtrack_faster-rcnn_r50_fpn.py',
    '../_base_/trackers/qdtrack_tao.py',
    '../_base_/datasets/tao.py',
    '../_base_/schedules/schedule_12e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    detector=dict(
        roi_head=dict(bbox_head=dict(num_classes=1230)),
        test_cfg=dict(rcnn=dict(score_thr=0.0001, max_per_img=300))),
    tracker=dict(_delete_=True, **_base_.tao_tracker))
