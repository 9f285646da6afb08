# Ablation of masa_toy_static.py: no object-prior distillation head (no RPN
# or RoI box head); only the track loss trains the adapter, and test boxes
# must be given. Test it with `--cfg-options model.rpn_head=None
# model.roi_head=None` on masa_toy_given-obs.py.
_base_ = '../masa_toy_static.py'

model = dict(rpn_head=None, roi_head=None, box_source='given')
