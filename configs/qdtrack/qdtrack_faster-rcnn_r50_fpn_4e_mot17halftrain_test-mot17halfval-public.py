# QDTrack on MOT17 half-val under the public-detection protocol: the model
# and training of the private config; at test time a detection may start a
# new track only if its IoU with one of the frame's public boxes
# (det/det.txt) is at least 0.5; detections that continue a track are not
# restricted (QDTrack.public_det_iou_thr, qdtrack/models/mot/
# public_detections.py). MOT17 ships each sequence three times, once per
# public detector (DPM, FRCNN, SDP), with the same frames and ground truth:
# every copy is tracked with its own det.txt and scored (21 sequences on the
# test set, 7 x 3 on half-val). Convert the three copies once into a
# separate folder (training keeps the FRCNN copy of the private config):
#   python tools/convert_mot17.py data/MOT17 --detector all \
#       --out-dir data/MOT17/annotations/all_detectors
_base_ = './qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-mot17halfval.py'

model = dict(public_det_iou_thr=0.5)

val_dataloader = dict(
    dataset=dict(
        ann_file='annotations/all_detectors/half-val_cocoformat.json',
        public_det_file='train/{video}/det/det.txt'))
test_dataloader = val_dataloader
