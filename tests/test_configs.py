"""Every shipped config parses, and the method configs build their model."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from qdtrack import register_all_modules
from qdtrack.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
METHOD_CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


@pytest.mark.parametrize('path', METHOD_CONFIGS,
                         ids=[osp.relpath(p, ROOT) for p in METHOD_CONFIGS])
def test_config_builds_model(path):
    register_all_modules()
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'qdtrack'
    model_cfg = cfg.model
    if 'detector' in model_cfg:  # no weights are fetched in a test
        model_cfg.detector.backbone.pop('init_cfg', None)
        model_cfg.detector.pop('init_cfg', None)
    if model_cfg.get('reid_checkpoint'):  # trained weights: not in a test
        model_cfg.reid_checkpoint = None
    if model_cfg.get('backbone', {}).get('type') == 'SAMViT':
        # SAM ViT-B/H (90M / 630M parameters): shapes only, no weights
        model_cfg.backbone.init_cfg = None
        with torch.device('meta'):
            model = MODELS.build(model_cfg)
    else:
        model = MODELS.build(model_cfg)
    if 'tracker' in model_cfg:
        assert model.tracker is not None
    else:  # a ReID model, trained on crops and used by a tracker
        assert len(model.crop_size) == 2 and hasattr(model, 'embed_crops')


@pytest.mark.parametrize('name,num_classes,init_thr,metric', [
    ('qdtrack_faster-rcnn_r50_fpn_12e_bdd100k.py', 8, 0.7, 'bisoftmax'),
    ('qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-mot17halfval.py',
     1, 0.9, 'bisoftmax'),
])
def test_paper_configs(name, num_classes, init_thr, metric):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'qdtrack', name))
    assert cfg.model.detector.roi_head.bbox_head.num_classes == num_classes
    assert cfg.model.tracker.init_score_thr == init_thr
    assert cfg.model.tracker.match_metric == metric
    assert cfg.optim_wrapper.optimizer.lr == 0.02
    assert cfg.optim_wrapper.clip_grad.max_norm == 35
    assert cfg.train_dataloader.batch_size * 8 == 16
    assert cfg.param_scheduler[0].type == 'LinearLR'
    embed = cfg.model.track_head.embed_head
    assert (embed.num_convs, embed.num_fcs, embed.embed_channels) == (4, 1,
                                                                      256)
    assert embed.loss_track.loss_weight == 0.25
    assert embed.loss_track_aux.loss_weight == 1.0


def test_tao_config_is_the_public_recipe():
    """R-101 from the LVIS v0.5 + COCO checkpoint, detector frozen, track
    head fine-tuned 12 epochs at lr 0.002 on class-balanced TAO frames,
    482 classes, the TAO tracker preset."""
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs', 'qdtrack',
        'qdtrack_faster-rcnn_r101_fpn_12e_tao.py'))
    model = cfg.model
    assert model.freeze_detector is True
    assert model.detector.backbone.depth == 101
    assert model.detector.roi_head.bbox_head.num_classes == 482
    assert 'lvis+coco' in cfg.load_from
    rcnn = model.detector.test_cfg.rcnn
    assert (rcnn.score_thr, rcnn.max_per_img) == (0.0001, 300)
    tracker = model.tracker
    assert (tracker.init_score_thr, tracker.obj_score_thr,
            tracker.match_score_thr) == (0.0001, 0.0001, 0.5)
    assert (tracker.num_frames_retain, tracker.num_frames_backdrop,
            tracker.score_momentum) == (10, 0, 0.5)
    assert tracker.match_metric == 'masa'  # bi-softmax + cosine
    train = cfg.train_dataloader
    assert train.batch_size * 8 == 16
    assert train.dataset.type == 'ClassBalancedVideoDataset'
    assert train.dataset.oversample_thr == 1e-3
    assert train.dataset.dataset.metainfo.classes == cfg.tao_classes
    assert cfg.val_dataloader.dataset.metainfo.classes == cfg.tao_classes
    assert cfg.optim_wrapper.optimizer.lr == 0.002
    assert cfg.optim_wrapper.optimizer.momentum == 0.9
    assert cfg.optim_wrapper.clip_grad is None
    assert cfg.train_cfg.max_epochs == 12
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.end, warmup.start_factor) == ('LinearLR',
                                                              1000, 0.001)
    assert steps.milestones == [8, 11]


def test_tao_frozen_detector_trains_the_track_head_only():
    register_all_modules()
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs', 'qdtrack',
        'qdtrack_faster-rcnn_r101_fpn_12e_tao.py'))
    cfg.model.detector.backbone.pop('init_cfg')
    model = MODELS.build(cfg.model)
    model.train()
    trainable = {n.split('.')[0] for n, p in model.named_parameters()
                 if p.requires_grad}
    assert trainable == {'track_head'}
    assert not model.detector.training and model.track_head.training


def _qdtrack_cfg(name):
    return Config.fromfile(osp.join(ROOT, 'configs', 'qdtrack', name))


def test_bdd100k_config_trains_on_videos_and_detection_images():
    cfg = _qdtrack_cfg('qdtrack_faster-rcnn_r50_fpn_12e_bdd100k.py')
    train = cfg.train_dataloader.dataset
    assert train.type == 'VideoConcatDataset'
    videos, stills = train.datasets
    assert videos.ann_file == 'annotations/box_track_train_cocofmt.json'
    assert stills.ann_file == 'annotations/det_train_cocofmt.json'
    assert stills.data_prefix.img_path == 'images/100k/'
    assert stills.metainfo.classes == videos.metainfo.classes
    assert stills.pipeline == videos.pipeline
    assert cfg.val_evaluator.metric == ['bbox', 'track']
    assert cfg.test_evaluator.metric == ['bbox', 'track']


MOT17_PRIVATE = 'qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-' \
    'mot17halfval.py'


@pytest.mark.parametrize('name', [
    MOT17_PRIVATE, 'qdtrack_faster-rcnn_toy.py',
    'qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-'
    'mot17halfval-public.py'])
def test_mot_configs_ignore_regions(name):
    cfg = _qdtrack_cfg(name)
    train_cfg = cfg.model.detector.train_cfg
    assert train_cfg.rpn.assigner.ignore_iof_thr == 0.5
    assert train_cfg.rcnn.assigner.ignore_iof_thr == 0.5
    assert cfg.model.track_head.train_cfg.assigner.ignore_iof_thr == 0.5


def test_mot17_public_configs():
    private = _qdtrack_cfg(MOT17_PRIVATE)
    assert private.model.get('public_det_iou_thr') is None
    half = _qdtrack_cfg('qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_'
                        'test-mot17halfval-public.py')
    assert half.model.public_det_iou_thr == 0.5
    val = half.val_dataloader.dataset
    assert val.public_det_file == 'train/{video}/det/det.txt'
    assert val.ann_file == \
        'annotations/all_detectors/half-val_cocoformat.json'
    assert 'public_detections' in val.pipeline[-1].meta_keys
    assert half.train_dataloader.dataset.ann_file == \
        private.train_dataloader.dataset.ann_file
    test = _qdtrack_cfg('qdtrack_faster-rcnn_r50_fpn_4e_mot17train_'
                        'test-mot17test-public.py')
    assert test.model.public_det_iou_thr == 0.5
    assert test.test_dataloader.dataset.public_det_file == \
        'test/{video}/det/det.txt'
    assert test.test_dataloader.dataset.ann_file == \
        'annotations/test_cocoformat.json'
    assert test.test_evaluator.format_only is True
    assert test.train_dataloader.dataset.ann_file == \
        'annotations/train_cocoformat.json'
