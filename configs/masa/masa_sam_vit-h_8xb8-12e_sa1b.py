# MASA-SAM-H: masa_sam_vit-b_8xb8-12e_sa1b.py with SAM's ViT-H encoder
# (blocks 8/16/24/32). Convert sam_vit_h_4b8939.pth first:
#   python tools/masa/convert_sam_checkpoint.py sam_vit_h_4b8939.pth \
#       checkpoints/sam_vit-h_encoder.pth
_base_ = [
    '../_base_/models/masa_sam_vit-h.py',
    '../_base_/datasets/masa_static_toy.py',
    '../_base_/schedules/schedule_12e.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=8)
optim_wrapper = dict(optimizer=dict(lr=0.08))
auto_scale_lr = dict(enable=False, base_batch_size=64)
