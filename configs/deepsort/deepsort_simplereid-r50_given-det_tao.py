# DeepSORT + SimpleReID (ResNet-50) on TAO validation, tracking the boxes of
# an external detector given as COCO detection results on the image ids of
# annotations/validation.json (the usual TAO given-detection protocol, e.g.
# an LVIS detector's boxes).
# Classes: every given box keeps its category (public_det_labels=True: the
# category id through the dataset's classes, boxes of categories outside
# the 482 TAO classes dropped by public_det_cat_ids='dataset'). DeepSORT
# associates class-agnostically (the reference algorithm); TAO scores every
# track with a category, so a track is labelled by the majority of its
# boxes' labels so far (track_label='majority', written per frame; a tie
# keeps its label). class_aware=True instead matches a track only to boxes
# of its own class (the QDTrack rule): a track never changes class, but a
# detector that flickers between two classes on one object splits it into
# tracks. Switch with --cfg-options model.tracker.class_aware=True.
# TAO is labelled at ~1 fps and only labelled frames are tracked, so one
# tracker step is ~1 s: a track is output from its first box (confirm_new;
# the reference 3 hits would hide the first 2 s of every track, and TAO's
# Track AP counts whole tracks) and kept 10 labelled frames unmatched (the
# TAO QDTrack preset's num_frames_retain), not 30 s. The other values are
# DeepSORT's reference ones (cosine 0.2, gallery 100, gate 9.4877, IoU 0.7).
# Not run on TAO here (no TAO data): none of these values is tuned.
#   python tools/test.py THIS_CONFIG --cfg-options \
#       model.reid_checkpoint=CKPT \
#       test_dataloader.dataset.public_det_file=DETS.json
_base_ = [
    '../_base_/datasets/tao.py',
    '../_base_/default_runtime.py',
    '../_base_/models/deepsort_simplereid_r50.py',
]

tao_classes = 'data/tao/annotations/tao_classes.txt'  # one name a line

model = dict(**_base_.deepsort_simplereid_r50)
model['tracker'] = dict(
    _base_.deepsort_tracker,
    confirm_new=True,
    max_age=10,
    class_aware=False,
    track_label='majority')

# the test pipeline of the dataset config, also packing the given boxes and
# their classes
test_pipeline = _base_.test_pipeline
test_pipeline[-1]['meta_keys'] = test_pipeline[-1]['meta_keys'] + (
    'public_detections', 'public_det_labels')
val_dataloader = dict(
    dataset=dict(
        metainfo=dict(classes=tao_classes),
        pipeline=test_pipeline,
        public_det_file='detections/validation_results.json',
        public_det_labels=True,
        public_det_cat_ids='dataset'))
test_dataloader = val_dataloader

train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
