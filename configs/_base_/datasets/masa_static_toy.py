# MASA training data on the toy benchmark: the TRAINING frames of the toy
# videos taken as independent unlabeled images (no track ids, no frame order,
# no video), with class-agnostic proposals of the weight-free source. Each
# item is one image seen twice, each view through its own strong
# augmentation; the views are the key and reference frame of QDTrack's
# training format, and instances with the same id are positives.
#
# Write the proposals first (960 frames, about 0.6 CPU s each):
#   python tools/generate_toy.py data/toy
#   python tools/masa/make_proposals.py \
#       data/toy/annotations/train_cocoformat.json \
#       data/toy/annotations/masa_proposals_felzenszwalb.json
# Validation and test stay the toy videos (toy_mot.py).
_base_ = './toy_mot.py'

masa_data_root = 'data/toy/'
masa_img_scale = (320, 240)  # (w, h), the toy frame size
backend_args = None

# run on the image of the item and on the image mixed into its views
masa_load_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadTrackAnnotations', with_mask=True),
]
# MASA's strong augmentation (public code's order and ranges); every
# transform runs inside KeepInstanceIds (added by TwoViews), so ids, masks
# and boxes stay in step and boxes are recomputed from the warped masks.
masa_view_transforms = [
    dict(type='RandomAffineWithHomography', max_rotate_degree=10.0,
         max_translate_ratio=0.1, scaling_ratio_range=(0.5, 1.5),
         max_shear_degree=2.0),
    dict(type='SharedImageMixUp', ratio_range=(0.8, 1.6), pad_val=114.0),
    dict(type='YOLOXHSVRandomAug'),
    dict(type='RandomResize', scale=masa_img_scale, ratio_range=(0.1, 2.0),
         keep_ratio=True, clip_object_border=False),
    dict(type='RandomCrop', crop_size=masa_img_scale, bbox_clip_border=False,
         allow_negative_crop=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='FilterViewInstances', min_size=2.0),
    dict(type='Pad', size=masa_img_scale, pad_val=dict(img=(114, 114, 114))),
]
# the ablations' ideal segmenter: the ground-truth boxes of the same frames
# (no ids, no order; boxes only, so views' boxes are warped corners),
# written by tools/masa/select_images.py (docs/masa_data.md, section 3)
masa_gt_boxes_dataset = dict(
    ann_file='annotations/masa_gt_boxes.json',
    with_mask=False,
    load_pipeline=[
        dict(type='LoadImageFromFile', backend_args=backend_args),
        dict(type='LoadTrackAnnotations', with_mask=False),
    ])
masa_pack_views = dict(
    type='PackTrackInputs', meta_keys=('homography_matrix', ))
masa_train_pipeline = [
    dict(type='TwoViews', transforms=masa_view_transforms),
    masa_pack_views,
]

train_dataloader = dict(
    _delete_=True,
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='StaticImagePairDataset',
        data_root=masa_data_root,
        ann_file='annotations/masa_proposals_felzenszwalb.json',
        data_prefix=dict(img_path=''),
        max_instances=100,
        load_pipeline=masa_load_pipeline,
        pipeline=masa_train_pipeline))
