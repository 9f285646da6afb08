# Ablation of masa_toy_static.py: no object-prior distillation head (no RPN,
# no RoI box head); only the track loss trains the adapter. The track head
# samples its RoIs among boxes jittered around each view's instances
# (qdtrack.models.utils.jittered_proposals) instead of the RPN's proposals.
# Test it on given boxes, which need no distillation head (checkpoints
# load strictly, so the test model drops the heads too):
#   python tools/test.py configs/masa/masa_toy_given-obs.py CKPT \
#       --cfg-options model.rpn_head=None model.roi_head=None
_base_ = '../masa_toy_static.py'

model = dict(
    rpn_head=None,
    roi_head=None,
    box_source='given',
    train_cfg=dict(
        track_proposals=dict(num_per_box=16, amplitude=0.5, num_random=64)))
