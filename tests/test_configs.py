"""Every shipped config parses, and the method configs build their model."""
import glob
import os.path as osp

import pytest
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
    model = MODELS.build(model_cfg)
    if 'tracker' in model_cfg:
        assert model.tracker is not None
    else:  # a ReID model, trained on crops and used by a tracker
        assert len(model.crop_size) == 2 and hasattr(model, 'embed_crops')


@pytest.mark.parametrize('name,num_classes,init_thr,metric', [
    ('qdtrack_faster-rcnn_r50_fpn_12e_bdd100k.py', 8, 0.7, 'bisoftmax'),
    ('qdtrack_faster-rcnn_r50_fpn_12e_tao.py', 1230, 0.0001, 'masa'),
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
