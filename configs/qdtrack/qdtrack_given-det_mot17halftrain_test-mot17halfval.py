# QDTrack's tracker on the MOT17 public detections (det/det.txt of the
# FRCNN copies): a checkpoint of the MOT17 config embeds the given boxes
# with its track head and tracks them; its RPN and RoI box head do not run.
# The det.txt scores of MOT17's detectors are not calibrated like the
# model's own: check the track manager's score thresholds
# (init_score_thr 0.9, obj_score_thr 0.5) against them, or set
# public_det_score_thr.
#   python tools/test.py THIS_CONFIG CKPT
_base_ = './qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-mot17halfval.py'

model = dict(given_observations=True)

# the MOT17 test pipeline already packs 'public_detections' (its meta_keys)
test_dataloader = dict(
    dataset=dict(public_det_file='train/{video}/det/det.txt'))
