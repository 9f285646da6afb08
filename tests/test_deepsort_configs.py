"""DeepSORT + SimpleReID configs of the full-size datasets: dataset parts,
reference tracker settings, and a model that tracks given boxes."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from qdtrack.apis import init_tracker, track_video

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DS = osp.join(ROOT, 'configs', 'deepsort')
HALFVAL = 'deepsort_simplereid-r50_public-det_mot17halftrain_test-' \
    'mot17halfval.py'
TEST = 'deepsort_simplereid-r50_public-det_mot17train_test-mot17test.py'
BDD = 'deepsort_simplereid-r50_given-det_bdd100k-pedestrian.py'


def _cfg(name):
    return Config.fromfile(osp.join(DS, name))


def test_mot17_configs_use_the_public_detection_datasets():
    half = _cfg(HALFVAL)
    ds = half.test_dataloader.dataset
    assert ds.ann_file == 'annotations/all_detectors/half-val_cocoformat.json'
    assert ds.public_det_file == 'train/{video}/det/det.txt'
    assert 'public_detections' in ds.pipeline[-1].meta_keys
    assert half.test_evaluator.type == 'MOTChallengeMetric'
    assert half.test_evaluator.gt_file == 'gt_half-val.txt'
    test = _cfg(TEST)
    ds = test.test_dataloader.dataset
    assert ds.ann_file == 'annotations/test_cocoformat.json'
    assert ds.public_det_file == 'test/{video}/det/det.txt'
    assert test.test_evaluator.format_only is True
    for cfg in (half, test):
        assert cfg.train_dataloader is None and cfg.optim_wrapper is None
        assert 'public_det_iou_thr' not in cfg.model  # QDTrack's, deleted


def test_bdd100k_config_tracks_given_pedestrian_boxes():
    cfg = _cfg(BDD)
    ds = cfg.test_dataloader.dataset
    assert ds.public_det_cat_ids == [1] and cfg.model.label == 0
    assert cfg.test_dataloader.dataset.metainfo.classes[0] == 'pedestrian'
    assert 'public_detections' in ds.pipeline[-1].meta_keys
    assert cfg.test_evaluator.type == 'BDD100KMetric'


@pytest.mark.parametrize('name', [HALFVAL, TEST, BDD])
def test_config_builds_deepsort_with_reference_settings(name):
    cfg = _cfg(name)
    model = cfg.model
    assert model.type == 'DeepSORT'
    assert 'mean' not in model.data_preprocessor  # ReID normalises crops
    reid = model.reid
    assert reid.crop_size == (256, 128)
    assert (reid.backbone.type, reid.backbone.depth) == ('mmdet.ResNet', 50)
    assert reid.head.in_channels == 2048
    t = model.tracker
    assert (t.max_cosine_distance, t.budget, t.gate, t.max_iou_distance,
            t.max_age, t.n_init) == (0.2, 100, 9.4877, 0.7, 30, 3)


@pytest.mark.parametrize('name', [HALFVAL, BDD])
def test_config_tracks_given_boxes_through_its_test_pipeline(name):
    """Random ReID weights (no checkpoint): two still boxes, three frames;
    DeepSORT confirms both tracks at their third hit."""
    torch.manual_seed(0)
    model = init_tracker(osp.join(DS, name),
                         cfg_options={'model.reid_checkpoint': None})
    assert model.reid.head.classifier.out_features == 1
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)] * 3
    boxes = np.array([[100, 50, 140, 150, 0.9], [300, 60, 345, 170, 0.8]],
                     dtype=np.float32)
    out = list(track_video(model, frames, detections={i: boxes
                                                      for i in range(3)}))
    assert [r.ids.tolist() for r in out] == [[], [], [0, 1]]
    np.testing.assert_allclose(out[2].bboxes, boxes[:, :4], atol=1e-3)
    assert out[2].labels.tolist() == [0, 0]
