# A Faster R-CNN with a Swin-B backbone (COCO's 80 classes): the example
# detector of masa_swin-b_detector.py. Any mmdet detector config can take
# its place; its `model.detector` (or `model`) is what MASA builds.
_base_ = ['./qdtrack_faster-rcnn_r50_fpn.py']

model = dict(
    detector=dict(
        backbone=dict(
            _delete_=True,
            type='SwinTransformer',
            pretrain_img_size=384,
            embed_dims=128,
            depths=[2, 2, 18, 2],
            num_heads=[4, 8, 16, 32],
            window_size=12,
            mlp_ratio=4,
            qkv_bias=True,
            drop_path_rate=0.3,
            patch_norm=True,
            out_indices=(0, 1, 2, 3),
            convert_weights=True),
        neck=dict(in_channels=[128, 256, 512, 1024]),
        roi_head=dict(bbox_head=dict(num_classes=80))))
