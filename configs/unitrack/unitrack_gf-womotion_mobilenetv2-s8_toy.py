# The paper's "without motion" setting (public config *_womotion.yaml):
# appearance cost only, no Mahalanobis term or gate in the first stage; the
# Kalman filter still predicts boxes for the IoU stage.
_base_ = ['./unitrack_gf_mobilenetv2-s8_toy.py']
model = dict(tracker=dict(motion_weight=0.0, motion_gate=False))
