# DeepSORT + SimpleReID (ResNet-50) on the MOT17 public detections of the
# half-val split: every sequence copy (DPM, FRCNN, SDP) is tracked on its
# own det/det.txt boxes and scored (the dataset and evaluator of QDTrack's
# public-detection config; convert the three copies once with
#   python tools/convert_mot17.py data/MOT17 --detector all \
#       --out-dir data/MOT17/annotations/all_detectors).
# The paper's setting ("Simple Unsupervised Multi-Object Tracking", MOT17
# train, IDF1 65.5) used POI detections instead.
# DPM's det.txt scores are not in [0, 1] like FRCNN's and SDP's: the
# tracker keeps boxes scoring >= model.tracker.score_thr (0), so set it per
# detector (or test.dataset.public_det_score_thr) when comparing copies.
#   python tools/test.py THIS_CONFIG --cfg-options \
#       model.reid_checkpoint=work_dirs/<simplereid_r50 run>/epoch_60.pth
_base_ = [
    '../qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-'
    'mot17halfval-public.py',
    '../_base_/models/deepsort_simplereid_r50.py',
]

model = dict(_delete_=True, **_base_.deepsort_simplereid_r50)

# nothing to train here: train the ReID model with configs/simplereid/
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
