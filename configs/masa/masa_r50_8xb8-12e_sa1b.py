# MASA-R50 trained on unlabeled images (paper: 500K SA-1B images with SAM
# proposals): frozen ResNet-50, the public code's loss (unbiased contrastive
# on dot products, weight 0.25, + L2 auxiliary loss). Schedule of the
# paper and the public training config: SGD momentum 0.9, weight decay
# 1e-4, 12 epochs, lr x0.1 after epochs 8 and 11, linear warmup (1000
# iterations), gradient clipping at 35; lr 0.08 for 8 GPUs x 8 images (the
# public config; the paper reports lr 0.04 for a batch of 128).
# The training data is the two-view static-image dataset
# (configs/_base_/datasets/masa_static_toy.py); point it at your images'
# proposals (tools/masa/make_proposals.py) at 1024x1024.
_base_ = [
    '../_base_/models/masa_r50.py',
    '../_base_/datasets/masa_static_toy.py',
    '../_base_/schedules/schedule_12e.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=8)
optim_wrapper = dict(optimizer=dict(lr=0.08))
auto_scale_lr = dict(enable=False, base_batch_size=64)
