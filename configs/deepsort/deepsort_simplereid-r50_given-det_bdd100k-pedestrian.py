# DeepSORT + SimpleReID (ResNet-50) on given pedestrian boxes of BDD100K
# box-tracking val. Given boxes carry no class (public_detections is
# x1, y1, x2, y2, score) and DeepSORT associates class-agnostically, so this
# setting tracks one class: the pedestrian boxes of a COCO detection results
# file (public_det_cat_ids: category 1 = pedestrian in the CocoVID files of
# tools/convert_bdd100k.py), labelled as class 0 (pedestrian). Read the
# pedestrian row of BDD100KMetric's per-class table; its means over the 8
# classes count the 7 untracked classes as missed.
#   python tools/test.py THIS_CONFIG --cfg-options \
#       model.reid_checkpoint=CKPT \
#       test_dataloader.dataset.public_det_file=DETS.json
_base_ = [
    '../_base_/datasets/bdd100k_mot.py',
    '../_base_/default_runtime.py',
    '../_base_/models/deepsort_simplereid_r50.py',
]

model = dict(label=0, **_base_.deepsort_simplereid_r50)

# the test pipeline of the dataset config, also packing the given boxes
test_pipeline = _base_.test_pipeline
test_pipeline[-1]['meta_keys'] = test_pipeline[-1]['meta_keys'] + (
    'public_detections', )
val_dataloader = dict(
    dataset=dict(
        pipeline=test_pipeline,
        public_det_file='detections/box_track_val_results.json',
        public_det_cat_ids=[1]))
test_dataloader = val_dataloader

train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
