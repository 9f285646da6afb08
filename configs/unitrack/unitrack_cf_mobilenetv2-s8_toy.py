# UniTrack's centre-feature baseline (cosine of the features at the box
# centre), everything else as the RSM config.
_base_ = ['./unitrack_rsm_mobilenetv2-s8_toy.py']
model = dict(tracker=dict(metric='center'))
