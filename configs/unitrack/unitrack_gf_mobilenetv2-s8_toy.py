# UniTrack's global-feature baseline (cosine of the pooled point features),
# everything else as the RSM config.
_base_ = ['./unitrack_rsm_mobilenetv2-s8_toy.py']
model = dict(tracker=dict(metric='global'))
