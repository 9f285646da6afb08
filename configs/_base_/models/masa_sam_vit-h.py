# MASA-SAM-H: masa_sam_vit-b.py with SAM's ViT-H image encoder (1280
# channels, 32 blocks): the outputs of blocks 8/16/24/32 (indices
# 7/15/23/31, its global-attention blocks; public configs/masa-sam/
# sam-vith.py). Convert sam_vit_h_4b8939.pth with
# tools/masa/convert_sam_checkpoint.py.
_base_ = ['./masa_sam_vit-b.py']

model = dict(
    backbone=dict(
        arch='vit-h',
        out_indices=(7, 15, 23, 31),
        init_cfg=dict(checkpoint='checkpoints/sam_vit-h_encoder.pth')),
    masa_adapter=dict(pyramid=dict(in_channels=1280)))
