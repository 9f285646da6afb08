# Ablation (test only): no inter-class duplicate removal.
_base_ = '../qdtrack_faster-rcnn_toy.py'
model = dict(tracker=dict(nms_class_iou_thr=1.0, nms_backdrop_iou_thr=1.0))
