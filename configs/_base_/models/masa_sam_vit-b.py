# MASA-SAM-B (Li et al., CVPR 2024): SAM ViT-B image encoder (frozen), the
# outputs of its blocks 3/6/9/12 (indices 2/5/8/11, its global-attention
# blocks) at stride 16 -> SimpleFPN (strides 4..64) -> mmdet's DyHead
# (3 blocks) -> distillation head (class-agnostic RPN + 2fc RoI box head)
# and the quasi-dense track head. Values of the public
# configs/masa-sam/sam-vitb.py and tao_teta_test/masa_sam_vitb_*.py
# (siyuanliii/masa): SimpleFPN without norms, RPN SmoothL1 (beta 1/9),
# Shared2FCBBoxHead, images padded to 1024 x 1024 (the encoder's size).
# Differences: the released model is a frozen SAM "detector" whose image
# encoder feeds the adapter; here the encoder is the backbone itself
# (SAMViT, keys = SAM's image_encoder.*): start from an official SAM file
# converted by tools/masa/convert_sam_checkpoint.py, e.g.
#   python tools/masa/convert_sam_checkpoint.py sam_vit_b_01ec64.pth \
#       checkpoints/sam_vit-b_encoder.pth
# and set model.backbone.init_cfg (below) to the output.
_base_ = ['./masa_r50.py']

model = dict(
    data_preprocessor=dict(pad_size_divisor=1024),
    backbone=dict(
        _delete_=True,
        type='SAMViT',
        arch='vit-b',
        img_size=1024,
        out_indices=(2, 5, 8, 11),
        frozen=True,
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/sam_vit-b_encoder.pth')),
    freeze_backbone=True,
    masa_adapter=dict(
        _delete_=True,
        type='MASAAdapter',
        pyramid=dict(
            type='SimpleFPN', in_channels=768, out_channels=256, num_outs=5),
        fusion=dict(
            type='DyHead', in_channels=256, out_channels=256,
            num_blocks=3)),
    rpn_head=dict(
        loss_bbox=dict(_delete_=True, **_base_.masa_2fc_rpn_loss_bbox)),
    roi_head=dict(bbox_head=dict(_delete_=True, **_base_.masa_2fc_bbox_head)))
