# MASA on the frozen backbone of a detector: the public masa-gdino and
# masa-detic variants, whose Swin-B detector also feeds the adapter. As in
# their configs, the adapter takes the stride 8/16/32 levels (256/512/1024
# channels), its FPN adds two pooled levels (strides 8-128), the RoI heads
# read strides 8/16/32, the RPN's box loss is SmoothL1 and the box head
# has 2 fc layers.
# `detector=dict(config=..., checkpoint=...)` names any mmdet detector
# config (path relative to the working directory) and its weights. The
# example detector's Swin-B gives all four levels (its own FPN takes them);
# the adapter's FPN skips the first (`start_level=1`), so its parameters
# keep the public names (lateral_convs.0-2). The detector stays frozen and
# in eval mode; with
# `model.box_source='detector'` its own boxes and labels are tracked.
_base_ = ['./masa_r50.py']

strides = [8, 16, 32]
model = dict(
    backbone=None,
    detector=dict(
        config='configs/_base_/models/faster-rcnn_swin-b_fpn.py',
        checkpoint=None),  # your detector's weights
    masa_adapter=dict(
        pyramid=dict(in_channels=[128, 256, 512, 1024], start_level=1)),
    rpn_head=dict(
        anchor_generator=dict(strides=strides + [64, 128]),
        loss_bbox=dict(_delete_=True, **_base_.masa_2fc_rpn_loss_bbox)),
    roi_head=dict(
        bbox_roi_extractor=dict(featmap_strides=strides),
        bbox_head=dict(_delete_=True, **_base_.masa_2fc_bbox_head)),
    track_head=dict(roi_extractor=dict(featmap_strides=strides)))
