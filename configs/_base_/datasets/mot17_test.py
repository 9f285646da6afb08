# MOT17 test submission: train on every frame of the training sequences,
# track the official test split (no ground truth) and only write the
# results files <outfile_dir>/MOT17-XX-{DPM,FRCNN,SDP}.txt (the converter
# keeps the three detector copies of each test sequence by default, as a
# submission needs all 21 files). Zip them for the MOTChallenge server.
# Validation stays on half-val, which this training set contains: its
# numbers are a sanity check only.
_base_ = './mot17_halftrain_halfval.py'

train_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
test_dataloader = dict(
    dataset=dict(ann_file='annotations/test_cocoformat.json'))
test_evaluator = dict(
    _delete_=True,
    type='MOTChallengeMetric',
    format_only=True,
    outfile_dir='work_dirs/mot17_test_results')
