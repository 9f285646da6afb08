# MOT17 test submission under the public-detection protocol: train on every
# frame of the training sequences (FRCNN copy), track the 21 test sequences
# (MOT17-{01,03,06,07,08,12,14}-{DPM,FRCNN,SDP}, each with its own
# test/<SEQ>/det/det.txt as the public boxes) and only write
# <outfile_dir>/<SEQ>.txt, the 21 files the MOTChallenge server expects
# (zip them). tools/convert_mot17.py keeps the three copies of the test
# sequences by default (--test-detector all).
_base_ = [
    './qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-mot17halfval-'
    'public.py',
]

train_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/test_cocoformat.json',
        public_det_file='test/{video}/det/det.txt'))
test_evaluator = dict(
    _delete_=True,
    type='MOTChallengeMetric',
    format_only=True,
    outfile_dir='work_dirs/mot17_test_public_results')
