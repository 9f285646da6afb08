# MASA-R50 (Li et al., CVPR 2024): frozen caffe ResNet-50, adapter (FPN +
# 3 DeformFusion blocks), object-prior distillation head (class-agnostic
# RPN + 4conv-1fc RoI box head), quasi-dense track head (4conv-1fc,
# 256-d). Values and layout of the public configs/masa-one configs
# (siyuanliii/masa): the state dict has exactly the keys and shapes of the
# released masa_r50.pth (tests/models/mot/test_masa.py), so that
# `load_from='masa_r50.pth'` reproduces its embeddings.
# The released model normalises with the torchvision (RGB) mean/std
# although its ResNet is caffe-style: kept, as the weights expect it.
# The public configs use SyncBN in the adapter and the box head; BN has the
# same parameters (set `sync_bn='torch'` in the runner config for
# multi-GPU training).
_base_ = ['../trackers/masa.py']

# the paper's loss instead of the public code's, for the *_infonce* configs:
# InfoNCE on cosine similarity / tau 0.07 (the head then also returns
# normalised embeddings at test time, docs/masa.md "Losses")
masa_infonce_embed_head = dict(
    cosine_logits=True,
    softmax_temp=0.07,
    loss_track=dict(_delete_=True, type='InfoNCELoss', loss_weight=0.25))
# the distillation head of the public SAM and detector-backbone variants
# (masa_sam_vit-*.py, masa_swin-b_detector.py): the RPN's box loss is
# SmoothL1 (beta 1/9) and the RoI box head has 2 fc layers
masa_2fc_rpn_loss_bbox = dict(
    type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0)
masa_2fc_bbox_head = dict(
    type='Shared2FCBBoxHead',
    in_channels=256,
    fc_out_channels=1024,
    roi_feat_size=7,
    num_classes=1,
    bbox_coder=dict(
        type='DeltaXYWHBBoxCoder',
        target_means=[0., 0., 0., 0.],
        target_stds=[0.1, 0.1, 0.2, 0.2]),
    reg_class_agnostic=True,
    loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    loss_bbox=dict(type='L1Loss', loss_weight=1.0))

model = dict(
    type='MASA',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='caffe',
        # to train a new adapter: the frozen backbone's weights (e.g. a
        # detector's ResNet-50 or mmdet's caffe ImageNet model
        # 'open-mmlab://detectron2/resnet50_caffe')
        init_cfg=None),
    freeze_backbone=True,
    masa_adapter=dict(
        type='MASAAdapter',
        pyramid=dict(
            type='FPN',
            in_channels=[256, 512, 1024, 2048],
            out_channels=256,
            norm_cfg=dict(type='BN', requires_grad=True),
            num_outs=5),
        fusion=dict(
            type='DeformFusion', in_channels=256, out_channels=256,
            num_blocks=3)),
    rpn_head=dict(
        type='RPNHead',
        in_channels=256,
        feat_channels=256,
        anchor_generator=dict(
            type='AnchorGenerator',
            scales=[8],
            ratios=[0.5, 1.0, 2.0],
            strides=[4, 8, 16, 32, 64]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    roi_head=dict(
        type='StandardRoIHead',
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            in_channels=256,
            fc_out_channels=1024,
            roi_feat_size=7,
            num_classes=1,
            norm_cfg=dict(type='BN', requires_grad=True),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=True,
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0))),
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,
                min_pos_iou=0.3,
                match_low_quality=True,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=256,
                pos_fraction=0.5,
                neg_pos_ub=-1,
                add_gt_as_proposals=False),
            allowed_border=-1,
            pos_weight=-1,
            debug=False),
        rpn_proposal=dict(
            nms_pre=2000,
            max_per_img=1000,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=512,
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False)),
    test_cfg=dict(
        rpn=dict(
            nms_pre=1000,
            max_per_img=1000,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            score_thr=0.02,
            nms=dict(type='nms', iou_threshold=0.5, class_agnostic=True),
            max_per_img=50)),
    track_head=dict(
        type='QuasiDenseTrackHead',
        roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        embed_head=dict(
            type='QuasiDenseEmbedHead',
            num_convs=4,
            num_fcs=1,
            roi_feat_size=7,
            in_channels=256,
            conv_out_channels=256,
            fc_out_channels=1024,
            embed_channels=256,
            norm_cfg=dict(type='GN', num_groups=32),
            # the public code's loss: raw dot products, positives weighted
            # 1/|P| in the denominator. The paper's InfoNCE on cosine / 0.07
            # is configs/masa/masa_r50_infonce_*.py.
            loss_track=dict(type='UnbiasedContrastLoss', loss_weight=0.25),
            loss_track_aux=dict(
                type='MarginL2Loss',
                neg_pos_ub=3,
                pos_margin=0,
                neg_margin=0.1,
                hard_mining=True,
                loss_weight=1.0)),
        train_cfg=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1),
            sampler=dict(
                type='CombinedSampler',
                num=512,
                pos_fraction=0.5,
                neg_pos_ub=3,
                add_gt_as_proposals=True,
                pos_sampler=dict(type='InstanceBalancedPosSampler'),
                neg_sampler=dict(type='RandomSampler')))),
    # the released TAO preset; configs/_base_/trackers/masa.py has the
    # plug-and-play and BDD presets
    tracker=_base_.masa_tao_tracker)
