"""UniTrack as a whole model, built from its toy config."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmcv.ops import roi_align
from mmdet.datasets.transforms import PackTrackInputs
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from qdtrack.models.mot import UniTrack
from qdtrack.registry import MODELS

CONFIGS = Path(__file__).parents[3] / 'configs/unitrack'
H, W = 96, 128


def build(name='unitrack_rsm_mobilenetv2-s8_toy.py', **changes):
    cfg = Config.fromfile(CONFIGS / name).model
    cfg.update(changes)
    return MODELS.build(cfg)


def draw(boxes, seed):
    """Noise background with two differently textured objects."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 40, (H, W, 3), dtype=np.uint8)
    tex = np.random.default_rng(100)
    for k, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, dtype=int)):
        patch = tex.integers(0, 255, (8, 4, 3), dtype=np.uint8)
        if k == 1:
            patch = 255 - np.sort(patch, axis=0)
        reps = ((y2 - y1) // 8 + 1, (x2 - x1) // 4 + 1, 1)
        img[y1:y2, x1:x2] = np.tile(patch, reps)[:y2 - y1, :x2 - x1]
    return img


def make_frame(model, frame_id, boxes, order=None, scale=0.5):
    """A frame of original size 2H x 2W resized to H x W showing objects
    at ``boxes`` (input coordinates, object k with texture k), given as
    ``public_detections`` (original coordinates) in ``order``."""
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    img = draw(boxes, frame_id)
    if order is not None:
        boxes = boxes[order]
    dets = np.concatenate([boxes / scale, np.full((len(boxes), 1), 0.9)],
                          axis=1)
    results = dict(
        img=[img],
        img_id=[frame_id],
        ori_shape=[(int(H / scale), int(W / scale))],
        img_shape=[(H, W)],
        scale_factor=[(scale, scale)],
        frame_id=[frame_id],
        frame_index=[frame_id],
        video_id=[0],
        public_detections=[dets],
        gt_bboxes=[boxes / scale],
        gt_bboxes_labels=[np.zeros(len(boxes), dtype=np.int64)],
        gt_instances_ids=[np.arange(1, len(boxes) + 1, dtype=np.int32)])
    packed = PackTrackInputs(meta_keys=('frame_index',
                                        'public_detections'))(results)
    return model.data_preprocessor(pseudo_collate([packed]), False)


def test_point_features_are_roi_align_of_stride_8_map():
    model = build()
    assert isinstance(model, UniTrack)
    img = torch.randn(1, 3, H, W)
    boxes = torch.tensor([[8., 10., 40., 90.], [50.5, 3., 70., 33.]])
    feats = model.point_features(img, boxes)
    assert feats.shape == (2, 32, 4, 10)
    fmap = model.backbone(img)[0]
    assert fmap.shape[-2:] == (H // 8, W // 8)
    rois = torch.cat([torch.zeros(2, 1), boxes / 8], dim=1)
    expected = roi_align(fmap, rois, (4, 10), 1.0, 0, 'avg', False)
    torch.testing.assert_close(feats, expected)


def test_frozen_and_not_trainable():
    model = build()
    model.train()
    assert not model.backbone.training
    assert not any(p.requires_grad for p in model.parameters())
    with pytest.raises(RuntimeError, match='nothing to train'):
        model.loss(None, None)


def test_stride_one_layers_keep_stride_8():
    model = build(
        backbone=dict(type='DSRMobileNetV2', out_indices=(4, )),
        stride_one_layers=('layer4', ))
    fmap = model.backbone(torch.randn(1, 3, H, W))[0]
    assert fmap.shape == (1, 96, H // 8, W // 8)
    with pytest.raises(ValueError, match="no layer 'layer9'"):
        build(stride_one_layers=('layer9', ))


@pytest.mark.parametrize('name', [
    'unitrack_rsm_mobilenetv2-s8_toy.py', 'unitrack_gf_mobilenetv2-s8_toy.py',
    'unitrack_cf-womotion_mobilenetv2-s8_toy.py'
])
def test_tracks_given_boxes(name):
    model = build(name)
    model.eval()
    start = np.array([[10, 20, 30, 70], [80, 15, 104, 75]], dtype=float)
    outputs = []
    for t in range(4):
        boxes = start + np.array([[2 * t, 0, 2 * t, 0],
                                  [-2 * t, 1, -2 * t, 1]])
        order = [1, 0] if t % 2 else [0, 1]  # ids must follow the objects
        data = make_frame(model, t, boxes, order)
        with torch.no_grad():
            out = model(**data, mode='predict')[0][0]
        pred = out.pred_track_instances
        outputs.append(pred)
        assert sorted(pred.instances_id.tolist()) == [0, 1]
        # in original coordinates, near the given boxes
        for obj in order:
            match = pred.instances_id == obj
            assert torch.allclose(pred.bboxes[match][0],
                                  torch.tensor(boxes[obj] * 2,
                                               dtype=torch.float32),
                                  atol=4.0)
    # a new video restarts the ids
    data = make_frame(model, 0, start[:1])
    with torch.no_grad():
        out = model(**data, mode='predict')[0][0]
    assert out.pred_track_instances.instances_id.tolist() == [0]
    assert model.tracker.num_tracks == 1


def test_missing_given_boxes_is_a_clear_error():
    model = build()
    data = make_frame(model, 0, np.zeros((0, 4)))
    frame = data['data_samples'][0][0]
    del frame.public_detections
    with pytest.raises(KeyError, match='UniTrack tracks given boxes'):
        model(**data, mode='predict')
