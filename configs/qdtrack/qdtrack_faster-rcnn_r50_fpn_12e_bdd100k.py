# QDTrack on BDD100K box tracking (paper: 36.6 mMOTA / 50.8 mIDF1 on val).
# Faster R-CNN R-50-FPN from ImageNet, 8 classes, total batch 16 (2 x 8 GPUs),
# lr 0.02, 12 epochs. The paper also mixes in the 100k detection images (as
# pairs of identical frames); add them with a ConcatDataset if you have them.
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
