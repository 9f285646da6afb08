# Ablation of masa_toy_static.py (120 iterations, same seed and data order):
# the adapter is the FPN alone, without DeformFusion.
_base_ = '../masa_toy_static.py'

model = dict(masa_adapter=dict(fusion=None))
