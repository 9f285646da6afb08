# DeepSORT with the paper's SimpleReID (ImageNet ResNet-50, 256x128 crops,
# BN-neck) on given boxes, for the full-size datasets; the model configs
# inherit it as model=dict(_delete_=True, **_base_.deepsort_simplereid_r50).
# The ReID checkpoint is a tools/train.py checkpoint of
# configs/simplereid/simplereid_r50_b32-60e_mot17-pseudo.py (its identity
# classifier is sized from the checkpoint). Tracker: the reference DeepSORT
# settings (nwojke/deep_sort on MOT16): cosine 0.2, gallery of 100,
# chi-square gate 9.4877, IoU distance 0.7, 30 frames, 3 hits.
_base_ = ['../trackers/deepsort.py']

deepsort_simplereid_r50 = dict(
    type='DeepSORT',
    # unnormalised BGR frames: the ReID model normalises its crops
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    reid=dict(
        type='SimpleReID',
        crop_size=(256, 128),
        backbone=dict(
            type='mmdet.ResNet',
            depth=50,
            num_stages=4,
            out_indices=(3, ),
            style='pytorch'),
        neck=dict(type='mmdet.GlobalAveragePooling'),
        head=dict(type='BNNeckReIDHead', in_channels=2048, num_classes=1)),
    reid_checkpoint='work_dirs/simplereid_r50_b32-60e_mot17-pseudo/'
    'epoch_60.pth',
    tracker=_base_.deepsort_tracker)
