# MASA-SAM-B trained on unlabeled images (paper: SA-1B images with SAM
# proposals): frozen SAM ViT-B encoder (blocks 3/6/9/12), SimpleFPN +
# DyHead adapter, the public code's loss (unbiased contrastive on dot
# products, weight 0.25, + L2 auxiliary loss). The public code releases no
# SAM training config: the schedule is the R50 one (SGD lr 0.08 for 8x8
# images, momentum 0.9, wd 1e-4, 12 epochs, steps 8/11, warmup, clip 35).
# Before training, convert the official SAM weights (the backbone's
# init_cfg reads them):
#   python tools/masa/convert_sam_checkpoint.py sam_vit_b_01ec64.pth \
#       checkpoints/sam_vit-b_encoder.pth
# Training data: the two-view static-image dataset
# (configs/_base_/datasets/masa_static_toy.py); point it at your images'
# proposals (tools/masa/make_proposals.py) at 1024x1024 (views are padded
# to 1024 x 1024 for the encoder anyway).
_base_ = [
    '../_base_/models/masa_sam_vit-b.py',
    '../_base_/datasets/masa_static_toy.py',
    '../_base_/schedules/schedule_12e.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=8)
optim_wrapper = dict(optimizer=dict(lr=0.08))
auto_scale_lr = dict(enable=False, base_batch_size=64)
