import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmdet.datasets.transforms import PackTrackInputs
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from qdtrack.models.mot import MASA
from qdtrack.models.necks import DeformFusion, MASAAdapter
from qdtrack.registry import MODELS

ROOT = Path(__file__).parents[3]
CFG = ROOT / 'configs/_base_/models/masa_r50.py'
LAYOUT = ROOT / 'tests/data/masa_r50_state_dict_layout.json'
H, W = 64, 96
GTS = np.array([[8, 6, 30, 40], [40, 10, 70, 58], [66, 4, 90, 30]],
               dtype=np.float32)


def small_cfg():
    """masa_r50 from its config, shrunk for CPU tests (ResNet-18 with 16
    base channels, 32-channel adapter and heads)."""
    cfg = Config.fromfile(CFG)
    model = cfg.model
    model.backbone.update(depth=18, base_channels=16)
    model.masa_adapter.pyramid.update(
        in_channels=[16, 32, 64, 128], out_channels=32)
    model.masa_adapter.fusion.update(in_channels=32, out_channels=32)
    model.roi_head.bbox_head.conv_out_channels = 32
    return shrink_heads(model)


def shrink_heads(model):
    """A MASA model config's heads at 32 channels, with fewer proposals
    and RoI samples (shared by the R50 and SAM test configs)."""
    model.rpn_head.update(in_channels=32, feat_channels=32)
    model.roi_head.bbox_roi_extractor.out_channels = 32
    model.roi_head.bbox_head.update(in_channels=32, fc_out_channels=64)
    model.train_cfg.rpn_proposal.update(nms_pre=300, max_per_img=150)
    model.test_cfg.rpn.update(nms_pre=300, max_per_img=150)
    model.train_cfg.rcnn.sampler.num = 128
    model.track_head.roi_extractor.out_channels = 32
    model.track_head.embed_head.update(
        in_channels=32, conv_out_channels=32, fc_out_channels=64,
        embed_channels=32, norm_cfg=dict(type='GN', num_groups=8))
    model.track_head.train_cfg.sampler.num = 128
    return model


def draw(gts, seed):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 60, (H, W, 3), dtype=np.uint8)
    for x1, y1, x2, y2 in gts.astype(int):
        img[y1:y2, x1:x2] = rng.integers(60, 255, (y2 - y1, x2 - x1, 3))
    return img


def make_batch(model, num_pairs=2):
    """Two views of one image per pair (the second view is the first
    flipped horizontally and brightened), instance ids shared, labels 0:
    the training format of the static-image dataset."""
    packed = []
    for b in range(num_pairs):
        img = draw(GTS, b)
        view2 = np.ascontiguousarray(img[:, ::-1]) // 2 + 60
        gts2 = GTS.copy()
        gts2[:, [0, 2]] = W - GTS[:, [2, 0]]
        results = dict(
            img=[img, view2],
            img_id=[b, b],
            ori_shape=[(H, W)] * 2,
            img_shape=[(H, W)] * 2,
            scale_factor=[(1., 1.)] * 2,
            frame_id=[0, 0],
            video_id=[b, b],
            gt_bboxes=[GTS, gts2],
            gt_bboxes_labels=[np.zeros(3, np.int64)] * 2,
            gt_instances_ids=[np.array([1, 2, 3], np.int32)] * 2,
            gt_ignore_flags=[np.zeros(3, bool)] * 2,
            key_frame_flags=[True, False])
        packed.append(PackTrackInputs()(results))
    return model.data_preprocessor(pseudo_collate(packed), True)


def make_video(model, num_frames=3, public=None, scale=1.0):
    packed = []
    h, w = int(H * scale), int(W * scale)
    for t in range(num_frames):
        img = draw(GTS, 0)
        if scale != 1.0:
            import cv2
            img = cv2.resize(img, (w, h))
        results = dict(
            img=[img],
            img_id=[t],
            ori_shape=[(H, W)],
            img_shape=[(h, w)],
            scale_factor=[(scale, scale)],
            frame_id=[t],
            video_id=[0],
            gt_bboxes=[GTS * scale],
            gt_bboxes_labels=[np.zeros(3, np.int64)],
            gt_instances_ids=[np.array([1, 2, 3], np.int32)],
            gt_ignore_flags=[np.zeros(3, bool)])
        meta_keys = ()
        if public is not None:
            results['public_detections'] = [public]
            meta_keys = ('public_detections', )
        packed.append(PackTrackInputs(meta_keys=meta_keys)(results))
    return [model.data_preprocessor(pseudo_collate([p]), False)
            for p in packed]


def test_build_from_config():
    model = MODELS.build(small_cfg())
    assert isinstance(model, MASA)
    assert isinstance(model.masa_adapter, MASAAdapter)
    assert isinstance(model.masa_adapter[1], DeformFusion)
    assert model.rpn_head.num_classes == 1
    assert model.roi_head.bbox_head.num_classes == 1
    assert model.track_head.embed_head.loss_track.__class__.__name__ == \
        'UnbiasedContrastLoss'
    assert model.track_head.embed_head.loss_track.loss_weight == 0.25
    # MASA tracker: (bi-softmax + cosine) / 2, no backdrops, 10 frames
    assert model.tracker.match_metric == 'masa'
    assert model.tracker.num_frames_backdrop == 0
    assert model.tracker.num_frames_retain == 10
    assert not any(p.requires_grad for p in model.backbone.parameters())


def test_training_iterations_losses_finite_and_decrease():
    torch.manual_seed(0)
    cfg = small_cfg()
    # one fusion block: mmcv's CPU deformable conv backward is slow
    cfg.masa_adapter.fusion.num_blocks = 1
    model = MODELS.build(cfg)
    model.train()
    assert not model.backbone.training
    data = make_batch(model)
    backbone_state = {
        k: v.clone() for k, v in model.backbone.state_dict().items()
    }
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=1e-3)
    history = []
    for _ in range(6):
        losses = model(**data, mode='loss')
        assert {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox',
                'loss_track', 'loss_track_aux'} <= set(losses)
        total = 0
        for name, value in losses.items():
            value = sum(value) if isinstance(value, list) else value
            assert torch.isfinite(value).all(), name
            if 'loss' in name:
                total = total + value
        history.append({k: float(sum(v) if isinstance(v, list) else v.detach())
                        for k, v in losses.items()})
        optim.zero_grad()
        total.backward()
        optim.step()
    assert history[0]['loss_track'] > 0
    first, last = history[0], history[-1]
    assert last['loss_track'] < first['loss_track']
    assert last['loss_rpn_cls'] < first['loss_rpn_cls']
    # the frozen backbone (weights and BN statistics) did not move
    for k, v in model.backbone.state_dict().items():
        torch.testing.assert_close(v, backbone_state[k], rtol=0, atol=0)
    # the adapter did
    assert model.masa_adapter[1].dyhead_blocks[0].spatial_conv_offset \
        .weight.abs().sum() > 0



def test_training_without_distillation_head():
    """The no-distillation ablation: no RPN or RoI head; the track head
    samples among boxes jittered around the instances and its loss alone
    trains the adapter."""
    torch.manual_seed(0)
    cfg = small_cfg()
    cfg.masa_adapter.fusion.num_blocks = 1
    cfg.update(rpn_head=None, roi_head=None, box_source='given')
    model = MODELS.build(cfg)
    with pytest.raises(RuntimeError, match='track_proposals'):
        model.train()(**make_batch(model), mode='loss')
    cfg.train_cfg.track_proposals = dict(num_per_box=8, num_random=16)
    model = MODELS.build(cfg)
    assert not model.with_distillation
    model.train()
    data = make_batch(model)
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3)
    history = []
    for _ in range(5):
        losses = model(**data, mode='loss')
        assert set(losses) == {'loss_track', 'loss_track_aux'}
        total = losses['loss_track'] + losses['loss_track_aux']
        assert torch.isfinite(total)
        history.append(float(losses['loss_track']))
        optim.zero_grad()
        total.backward()
        optim.step()
    assert history[-1] < history[0]
    # the track loss alone moved the adapter
    assert model.masa_adapter[1].dyhead_blocks[0].spatial_conv_offset \
        .weight.abs().sum() > 0

def test_loss_leaves_data_samples_and_labels_alone():
    torch.manual_seed(0)
    model = MODELS.build(small_cfg())
    model.train()
    data = make_batch(model, num_pairs=1)
    frame = data['data_samples'][0][0]
    frame.gt_instances.labels = torch.tensor([0, 2, 5])
    losses = model(**data, mode='loss')
    assert frame.gt_instances.labels.tolist() == [0, 2, 5]
    assert torch.isfinite(losses['loss_cls'])


def test_predict_unified_mode():
    torch.manual_seed(0)
    model = MODELS.build(small_cfg())
    model.tracker.init_score_thr = 0.0
    model.tracker.obj_score_thr = 0.0
    model.eval()
    ids = []
    with torch.no_grad():
        for data in make_video(model):
            out = model(**data, mode='predict')[0][0]
            tracked = out.pred_track_instances
            assert len(out.pred_instances) > 0
            assert set(tracked.keys()) >= {'bboxes', 'scores', 'labels',
                                           'instances_id'}
            assert (tracked.labels == 0).all()
            ids.append(sorted(tracked.instances_id.tolist()))
    assert len(ids[0]) > 0 and ids[0] == list(range(len(ids[0])))


def test_predict_given_observations_keeps_ids():
    """Given boxes (original coordinates) are embedded at the input scale
    and tracked: identical frames keep their ids."""
    torch.manual_seed(0)
    cfg = small_cfg()
    cfg.box_source = 'given'
    cfg.tracker = Config.fromfile(CFG).masa_plug_and_play_tracker
    model = MODELS.build(cfg)
    model.eval()
    public = np.concatenate([GTS, [[0.9], [0.8], [0.7]]], axis=1)
    frames = make_video(model, num_frames=3, public=public, scale=1.5)
    outs = []
    with torch.no_grad():
        for data in frames:
            outs.append(model(**data, mode='predict')[0][0])
    first = outs[0].pred_track_instances
    torch.testing.assert_close(first.bboxes, torch.from_numpy(GTS))
    torch.testing.assert_close(first.scores, torch.tensor([0.9, 0.8, 0.7]))
    assert first.instances_id.tolist() == [0, 1, 2]
    for out in outs[1:]:
        assert out.pred_track_instances.instances_id.tolist() == [0, 1, 2]
    # the embeddings are those of the boxes at the network input's scale
    img = frames[0]['inputs'][:, 0]
    feats = model.extract_feat(img)
    with torch.no_grad():
        scaled = model.track_head.predict(feats,
                                          [torch.from_numpy(GTS) * 1.5])
    model.tracker.reset()
    with torch.no_grad():
        model(**frames[0], mode='predict')
    torch.testing.assert_close(model.tracker.tracks['embeds'], scaled)


def test_given_mode_without_public_detections():
    cfg = small_cfg()
    cfg.box_source = 'given'
    model = MODELS.build(cfg)
    model.eval()
    data = make_video(model, num_frames=1)[0]
    with pytest.raises(KeyError, match='public_detections'):
        model(**data, mode='predict')


def test_bad_arguments():
    cfg = small_cfg()
    cfg.box_source = 'boxes'
    with pytest.raises(ValueError, match='box_source'):
        MODELS.build(cfg)
    cfg = small_cfg()
    cfg.rpn_head.num_classes = 3
    with pytest.raises(ValueError, match='class-agnostic'):
        MODELS.build(cfg)


def test_memory_length_is_a_config_value():
    cfg = Config.fromfile(ROOT / 'configs/masa/masa_toy_given-obs.py')
    assert cfg.model.box_source == 'given'
    cfg.model.tracker.num_frames_retain = 300
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    assert model.tracker.num_frames_retain == 300
    assert model.tracker.match_metric == 'masa'


def test_released_masa_r50_layout():
    """Every key and shape of the released masa_r50.pth (derived from the
    public code, see the JSON's "source")."""
    layout = json.loads(LAYOUT.read_text())
    model = MODELS.build(Config.fromfile(CFG).model)
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    expected = layout['state_dict']
    assert sorted(set(ours) - set(expected)) == []
    assert sorted(set(expected) - set(ours)) == []
    assert {k: v for k, v in ours.items() if expected[k] != v} == {}
    assert len(ours) == layout['num_keys']


def detector_cfg():
    """A small Faster R-CNN (the QDTrack config's detector, shrunk)."""
    det = Config.fromfile(
        ROOT / 'configs/_base_/models/qdtrack_faster-rcnn_r50_fpn.py'
    ).model.detector
    det.backbone.update(depth=18, base_channels=16, init_cfg=None)
    det.neck.update(in_channels=[16, 32, 64, 128], out_channels=32)
    det.rpn_head.update(in_channels=32, feat_channels=32)
    det.roi_head.bbox_roi_extractor.out_channels = 32
    det.roi_head.bbox_head.update(in_channels=32, fc_out_channels=64,
                                  num_classes=3)
    return det


def test_detector_backbone_frozen_and_detector_boxes():
    torch.manual_seed(0)
    cfg = small_cfg()
    cfg.pop('backbone')
    cfg.detector = detector_cfg()
    cfg.masa_adapter.fusion.num_blocks = 1
    model = MODELS.build(cfg)
    assert not hasattr(model, 'backbone')
    assert model.feature_backbone is model.detector.backbone
    assert not any(p.requires_grad for p in model.detector.parameters())
    model.train()
    assert not model.detector.training and model.masa_adapter.training
    losses = model(**make_batch(model, num_pairs=1), mode='loss')
    total = sum(sum(v) if isinstance(v, list) else v
                for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert all(p.grad is None for p in model.detector.parameters())
    assert model.track_head.embed_head.fc_embed.weight.grad is not None

    # test time: the detector's boxes and labels are embedded and tracked
    model.box_source = 'detector'
    model.tracker.init_score_thr = 0.0
    model.tracker.obj_score_thr = 0.0
    model.eval()
    data = make_video(model, num_frames=1)[0]
    frame = data['data_samples'][0][0]
    with torch.no_grad():
        expected = model.detector.predict(data['inputs'][:, 0], [frame])
        out = model(**data, mode='predict')[0][0]
    det = expected[0].pred_instances
    torch.testing.assert_close(out.pred_instances.bboxes, det.bboxes)
    tracked = out.pred_track_instances
    assert len(tracked) > 0
    assert set(tracked.labels.tolist()) <= set(det.labels.tolist())


SWIN_CFG = ROOT / 'configs/_base_/models/masa_swin-b_detector.py'
SWIN_DET = ROOT / 'configs/_base_/models/faster-rcnn_swin-b_fpn.py'


def test_detector_from_config_file(tmp_path):
    from qdtrack.models.mot.masa import detector_model_config
    # a tracker config: its detector is taken; the checkpoint -> init_cfg
    det = detector_model_config(dict(config=str(SWIN_DET),
                                     checkpoint='det.pth'))
    assert det.type == 'FasterRCNN'
    assert det.backbone.type == 'SwinTransformer'
    assert det.backbone.embed_dims == 128  # Swin-B
    assert det.backbone.depths == [2, 2, 18, 2]
    assert det.init_cfg == dict(type='Pretrained', checkpoint='det.pth')
    # a plain detector config: its model is taken
    plain = tmp_path / 'det.py'
    plain.write_text("model = dict(type='RetinaNet', backbone=None)\n")
    assert detector_model_config(dict(config=str(plain))).type == 'RetinaNet'
    # a model config passes through
    assert detector_model_config(dict(type='X')) == dict(type='X')
    with pytest.raises(FileNotFoundError, match='nope.py'):
        detector_model_config(dict(config='nope.py'))
    with pytest.raises(ValueError, match='extra'):
        detector_model_config(dict(config=str(plain), extra=1))
    empty = tmp_path / 'empty.py'
    empty.write_text('x = 1\n')
    with pytest.raises(ValueError, match='empty.py.*no `model`'):
        detector_model_config(dict(config=str(empty)))


def test_swin_b_detector_variant(tmp_path):
    """The Swin-B detector variant, with the detector shrunk in a config
    that inherits the real one: the adapter takes levels 1-3 of the frozen
    detector's backbone, trains, and tracks the detector's boxes."""
    cfg = Config.fromfile(SWIN_CFG)
    model_cfg = cfg.model
    assert model_cfg.backbone is None
    assert model_cfg.masa_adapter.pyramid.start_level == 1
    assert model_cfg.rpn_head.anchor_generator.strides == [8, 16, 32, 64,
                                                           128]
    tiny = tmp_path / 'tiny_swin_det.py'
    tiny.write_text(
        f"_base_ = ['{SWIN_DET}']\n"
        'model = dict(detector=dict(\n'
        '    backbone=dict(embed_dims=16, depths=[1, 1, 1, 1],\n'
        '                  num_heads=[1, 1, 2, 2], window_size=4,\n'
        '                  pretrain_img_size=64),\n'
        '    neck=dict(in_channels=[16, 32, 64, 128], out_channels=32),\n'
        '    rpn_head=dict(in_channels=32, feat_channels=32),\n'
        '    roi_head=dict(bbox_roi_extractor=dict(out_channels=32),\n'
        '                  bbox_head=dict(in_channels=32,\n'
        '                                 fc_out_channels=64))))\n')
    model_cfg.detector.config = str(tiny)
    model_cfg.masa_adapter.pyramid.in_channels = [16, 32, 64, 128]
    model_cfg.masa_adapter.fusion.num_blocks = 1
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    assert not hasattr(model, 'backbone')
    # the public layout's adapter names: 3 laterals for levels 1-3
    names = [k for k in model.state_dict()
             if k.startswith('masa_adapter.') and 'lateral_convs' in k]
    assert sorted({k.split('.')[3] for k in names}) == ['0', '1', '2']
    model.train()
    assert not model.detector.training
    losses = model(**make_batch(model, num_pairs=1), mode='loss')
    total = sum(sum(v) if isinstance(v, list) else v
                for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert all(p.grad is None for p in model.detector.parameters())
    assert model.masa_adapter[0].lateral_convs[0].conv.weight.grad \
        is not None
    # adapter levels: strides 8, 16, 32, 64, 128 of the padded input
    model.eval()
    img = torch.zeros(1, 3, 64, 128)
    with torch.no_grad():
        feats = model.extract_feat(img)
    assert [f.shape[-1] for f in feats] == [16, 8, 4, 2, 1]
