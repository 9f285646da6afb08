# Baseline of Table 4 of the SimpleReID paper: DeepSORT with the features of
# a randomly initialised MobileNetV2.
_base_ = ['./deepsort_simplereid_public-det_toy.py']

model = dict(
    reid_checkpoint=None,
    reid=dict(
        backbone=dict(_delete_=True, type='mmdet.MobileNetV2',
                      out_indices=(7, ))))
