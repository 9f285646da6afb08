# QDTrack's tracker on given boxes: the toy model's track head embeds the
# det.txt boxes of each test frame and its track manager tracks them; the
# RPN and RoI box head do not run (given-observation mode). SORT
# (configs/sort/sort_public-det_toy.py) sees exactly the same boxes, so the
# two rows compare association alone. Test a checkpoint of the toy config:
#   python tools/test.py configs/qdtrack/qdtrack_given-det_toy.py CKPT
# Any detector's boxes work the same way: a MOT det.txt per video or one
# COCO results .json (public_det_file, chosen by extension;
# tools/test.py --out-dets writes a model's detections as det.txt files).
_base_ = './qdtrack_faster-rcnn_toy.py'

# The track manager keeps the toy preset (new tracks from score 0.9). The
# det.txt scores are 0.35 + 0.6 x visibility (+ noise), so only nearly
# unoccluded pedestrians start tracks; SORT starts them from any box seen
# 3 times. Thresholds for det.txt would be tuned on the validation videos.
model = dict(given_observations=True)

# the toy test pipeline already packs 'public_detections' (its meta_keys)
test_dataloader = dict(
    dataset=dict(public_det_file='val/{video}/det/det.txt'))
