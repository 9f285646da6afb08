# MOT17 test submission with DeepSORT + SimpleReID (ResNet-50) on the public
# detections: the 21 test sequences (7 x DPM/FRCNN/SDP), each tracked on
# its own test/<SEQ>/det/det.txt; only <outfile_dir>/<SEQ>.txt are written
# (the dataset and evaluator of QDTrack's public test config). For the
# submission, train the ReID model on pseudo-labels of all train frames.
#   python tools/test.py THIS_CONFIG --cfg-options \
#       model.reid_checkpoint=work_dirs/<simplereid_r50 run>/epoch_60.pth
_base_ = [
    '../qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_mot17train_test-mot17test-'
    'public.py',
    '../_base_/models/deepsort_simplereid_r50.py',
]

model = dict(_delete_=True, **_base_.deepsort_simplereid_r50)

train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
test_evaluator = dict(
    outfile_dir='work_dirs/deepsort_simplereid_mot17_test_public_results')
