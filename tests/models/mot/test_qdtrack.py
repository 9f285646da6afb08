import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmdet.datasets.transforms import PackTrackInputs
from mmdet.models.mot import QDTrack as MMDetQDTrack
from mmdet.structures.bbox import bbox_overlaps
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.structures import InstanceData

from qdtrack import register_all_modules
from qdtrack.models.mot import QDTrack
from qdtrack.models.trackers.quasi_dense_track_manager import (
    QuasiDenseTrackManager,
)
from qdtrack.registry import MODELS

register_all_modules()

CFG = Path(__file__).parents[3] / \
    'configs/_base_/models/qdtrack_faster-rcnn_r50_fpn.py'
H, W = 64, 96
TRACK_LOSSES = {'loss_track', 'loss_track_aux'}
DET_LOSSES = {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox', 'acc'}


def small_cfg(num_classes=1):
    """The paper's model from the config file, shrunk for CPU tests:
    ResNet-18 with 16 base channels, 32-channel FPN and heads."""
    model = Config.fromfile(CFG).model
    det = model.detector
    det.backbone.update(depth=18, base_channels=16, init_cfg=None)
    det.neck.update(in_channels=[16, 32, 64, 128], out_channels=32)
    det.rpn_head.update(in_channels=32, feat_channels=32)
    det.roi_head.bbox_roi_extractor.out_channels = 32
    det.roi_head.bbox_head.update(
        in_channels=32, fc_out_channels=64, num_classes=num_classes)
    det.train_cfg.rpn_proposal.update(nms_pre=300, max_per_img=150)
    det.test_cfg.rpn.update(nms_pre=300, max_per_img=150)
    det.train_cfg.rcnn.sampler.num = 128
    model.track_head.roi_extractor.out_channels = 32
    model.track_head.embed_head.update(
        in_channels=32, conv_out_channels=32, fc_out_channels=64,
        embed_channels=32, norm_cfg=dict(type='GN', num_groups=8))
    return model


def mmdet_cfg(cfg):
    """The same model with mmdet 3.3's QDTrack classes."""
    cfg = copy.deepcopy(cfg)
    cfg['_scope_'] = 'mmdet'
    cfg.track_head.embed_head.loss_track_aux.type = 'L2Loss'
    cfg.tracker = None
    return cfg


def draw(gts, seed):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 60, (H, W, 3), dtype=np.uint8)
    for k, (x1, y1, x2, y2) in enumerate(gts.astype(int)):
        img[y1:y2, x1:x2] = (80 * k + 60) % 256
    return img


def make_batch(model, num_pairs=2, labels=(0, 0, 0), training=True):
    """Frame pairs packed by mmdet's PackTrackInputs and preprocessed by
    the model's TrackDataPreprocessor."""
    gts = np.array([[8, 6, 30, 40], [40, 10, 70, 58], [66, 4, 90, 30]],
                   dtype=np.float32)
    packed = []
    for b in range(num_pairs):
        ref_gts = gts[[2, 0, 1]] + np.float32(2 * b + 1)
        results = dict(
            img=[draw(gts, b), draw(ref_gts, b + 10)],
            img_id=[10 * b, 10 * b + 1],
            ori_shape=[(H, W)] * 2,
            img_shape=[(H, W)] * 2,
            scale_factor=[(1., 1.)] * 2,
            frame_id=[3, 5],
            video_id=[b, b],
            gt_bboxes=[gts, ref_gts],
            gt_bboxes_labels=[
                np.array(labels, dtype=np.int64),
                np.array(labels, dtype=np.int64)[[2, 0, 1]]
            ],
            gt_instances_ids=[
                np.array([1, 2, 3], dtype=np.int32),
                np.array([3, 1, 2], dtype=np.int32)
            ],
            gt_ignore_flags=[np.zeros(3, bool)] * 2,
            # key frame second for the first pair, first for the others
            key_frame_flags=[b > 0, b == 0])
        packed.append(PackTrackInputs()(results))
    return model.data_preprocessor(pseudo_collate(packed), training)


def seed_all(seed=0):
    torch.manual_seed(seed)
    np.random.seed(seed)


def test_loss_keys_finite_and_gradients():
    seed_all()
    model = MODELS.build(small_cfg())
    assert isinstance(model, QDTrack)
    model.train()
    data = make_batch(model)
    inputs = data['inputs']
    assert inputs.shape == (2, 2, 3, H, W)
    labels_before = [
        f.gt_instances.labels.clone() for s in data['data_samples']
        for f in s
    ]
    losses = model(**data, mode='loss')
    assert set(losses) == DET_LOSSES | TRACK_LOSSES
    for name, value in losses.items():
        value = sum(value) if isinstance(value, list) else value
        assert torch.isfinite(value).all(), name
    assert losses['loss_track'] > 0 and losses['loss_track_aux'] > 0
    # the data samples are not modified (mmdet zeroes the key labels)
    labels_after = [
        f.gt_instances.labels for s in data['data_samples'] for f in s
    ]
    for before, after in zip(labels_before, labels_after):
        torch.testing.assert_close(before, after)

    # the track losses alone reach the backbone (joint training)
    track_loss = losses['loss_track'] + losses['loss_track_aux']
    layer = model.detector.backbone.layer3[0].conv1.weight
    grad, = torch.autograd.grad(track_loss, layer, retain_graph=True)
    assert grad.abs().sum() > 0

    total, _ = model.parse_losses(losses)
    total.backward()
    embed = model.track_head.embed_head
    for param in (embed.fc_embed.weight, embed.convs[0].conv.weight,
                  model.detector.rpn_head.rpn_conv.weight,
                  model.detector.backbone.layer2[0].conv1.weight):
        assert param.grad is not None and param.grad.abs().sum() > 0
    # frozen_stages=1 of the paper's config
    assert model.detector.backbone.conv1.weight.grad is None


def test_losses_equal_mmdet_qdtrack():
    cfg = small_cfg()
    ours = MODELS.build(cfg)
    theirs = MODELS.build(mmdet_cfg(cfg))
    assert isinstance(theirs, MMDetQDTrack)
    assert not isinstance(theirs, QDTrack)
    ours.init_weights()
    theirs.load_state_dict(ours.state_dict())
    ours.train()
    theirs.train()
    data = make_batch(ours)
    seed_all(3)
    our_losses = ours.loss(**copy.deepcopy(data))
    seed_all(3)
    their_losses = theirs.loss(**copy.deepcopy(data))
    assert set(our_losses) == set(their_losses)
    for name in our_losses:
        torch.testing.assert_close(
            our_losses[name], their_losses[name], msg=name)


def spy_on(obj, name, store):

    def wrapper(*args, **kwargs):
        out = getattr(type(obj), name)(obj, *args, **kwargs)
        store.append(out)
        return out

    setattr(obj, name, wrapper)


def rcnn_and_rpn_labels(model, data):
    rcnn, rpn = [], []
    spy_on(model.detector.roi_head.bbox_head, 'get_targets', rcnn)
    spy_on(model.detector.rpn_head, 'get_targets', rpn)
    seed_all()
    model.loss(**data)
    rcnn_labels = set(rcnn[0][0].tolist())
    rpn_labels = set(torch.cat([lvl.flatten()
                                for lvl in rpn[0][0]]).tolist())
    return rcnn_labels, rpn_labels


def test_multiclass_labels_reach_rcnn_losses():
    cfg = small_cfg(num_classes=3)
    ours = MODELS.build(cfg)
    ours.train()
    data = make_batch(ours, labels=(0, 1, 2))
    rcnn_labels, rpn_labels = rcnn_and_rpn_labels(ours, data)
    # foreground classes 0, 1, 2 and background 3 reach the RCNN targets
    assert rcnn_labels == {0, 1, 2, 3}
    # the class-agnostic RPN sees foreground 0 and background 1 only
    assert rpn_labels == {0, 1}

    # mmdet 3.3's QDTrack zeroes the key labels: only 0 and background
    theirs = MODELS.build(mmdet_cfg(cfg))
    theirs.train()
    data = make_batch(theirs, labels=(0, 1, 2))
    rcnn_labels, _ = rcnn_and_rpn_labels(theirs, data)
    assert rcnn_labels == {0, 3}


def make_video_frame(model, frame_id, scale=0.5):
    """One test frame: original 128x192, resized to 64x96."""
    gts = np.array([[8, 6, 30, 40], [40, 10, 70, 58]], dtype=np.float32)
    results = dict(
        img=[draw(gts, 0)],
        img_id=[frame_id],
        ori_shape=[(int(H / scale), int(W / scale))],
        img_shape=[(H, W)],
        scale_factor=[(scale, scale)],
        frame_id=[frame_id],
        video_id=[0],
        gt_bboxes=[gts / scale],
        gt_bboxes_labels=[np.zeros(2, dtype=np.int64)],
        gt_instances_ids=[np.array([1, 2], dtype=np.int32)])
    packed = PackTrackInputs()(results)
    return model.data_preprocessor(pseudo_collate([packed]), False)


def one_hot_embeds(model, dim=128):
    """Replace the embeddings by one-hot codes of the detection rank so
    that identical frames must keep their ids; record the RoI boxes."""
    boxes = []

    def predict(feats, bboxes):
        boxes.append(bboxes[0].clone())
        return torch.eye(len(bboxes[0]), dim) * 20

    model.track_head.predict = predict
    return boxes


def test_predict_tracks_in_original_coordinates():
    cfg = small_cfg()
    cfg.tracker.update(init_score_thr=0.0, obj_score_thr=0.0)
    model = MODELS.build(cfg)
    assert isinstance(model.tracker, QuasiDenseTrackManager)
    model.init_weights()
    model.eval()
    roi_boxes = one_hot_embeds(model)
    resets = []
    reset = model.tracker.reset
    model.tracker.reset = lambda: (resets.append(1), reset())[1]

    outputs = []
    with torch.no_grad():
        for frame_id in (0, 1, 2, 0):
            data = make_video_frame(model, frame_id)
            assert data['inputs'].shape == (1, 1, 3, H, W)
            out = model(**data, mode='predict')
            assert len(out) == 1 and len(out[0]) == 1
            outputs.append(out[0][0])
    assert len(resets) == 2

    for frame, boxes in zip(outputs, roi_boxes):
        det = frame.pred_instances
        tracked = frame.pred_track_instances
        assert len(det) > 0
        # RoI features come from the boxes in network-input coordinates
        torch.testing.assert_close(boxes, det.bboxes * 0.5)
        num = len(tracked)
        assert 0 < num <= len(det)
        assert tracked.bboxes.shape == (num, 4)
        assert tracked.scores.shape == tracked.labels.shape == (num, )
        assert tracked.instances_id.shape == (num, )
        assert len(set(tracked.instances_id.tolist())) == num
        # tracked boxes are detections, in original image coordinates
        same = (tracked.bboxes[:, None] == det.bboxes[None]).all(dim=2)
        assert same.any(dim=1).all()
    assert outputs[0].pred_instances.bboxes[:, 2].max() > W
    ids = [frame.pred_track_instances.instances_id for frame in outputs]
    # identical frames keep their ids; after a reset ids restart
    torch.testing.assert_close(ids[1], ids[0])
    torch.testing.assert_close(ids[2], ids[0])
    torch.testing.assert_close(ids[3], ids[0])
    assert int(ids[0].min()) == 0


def test_freeze_detector():
    cfg = small_cfg()
    cfg.freeze_detector = True
    model = MODELS.build(cfg)
    model.train()
    assert not model.detector.training
    assert model.track_head.training
    assert not any(p.requires_grad for p in model.detector.parameters())
    assert all(p.requires_grad for p in model.track_head.parameters())


def test_build_paper_config_and_mmdet_qdtrack_in_one_process():
    cfg = Config.fromfile(CFG)
    cfg.model.detector.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    assert type(model) is QDTrack
    head = model.track_head
    embed = head.embed_head
    assert len(embed.convs) == 4 and embed.fc_embed.out_features == 256
    assert embed.fcs[0].out_features == 1024
    assert embed.convs[0].norm.num_groups == 32
    assert embed.loss_track.loss_weight == 0.25
    assert embed.loss_track_aux.loss_weight == 1.0
    assert embed.loss_track_aux.neg_pos_ub == 3
    assert head.bbox_assigner.pos_iou_thr == 0.7
    assert head.bbox_assigner.neg_iou_thr == 0.3
    sampler = head.bbox_sampler
    assert type(sampler).__name__ == 'CombinedSampler'
    assert (sampler.num, sampler.pos_fraction) == (256, 0.5)
    assert type(sampler.pos_sampler).__name__ == \
        'InstanceBalancedPosSampler'
    assert type(sampler.neg_sampler).__name__ == 'IoUBalancedNegSampler'
    assert head.match_mode == 'multi_positive'
    assert isinstance(model.tracker, QuasiDenseTrackManager)
    assert model.tracker.init_score_thr == 0.9
    assert type(model.data_preprocessor).__name__ == \
        'TrackDataPreprocessor'

    mmdet_model = MODELS.build(
        dict(
            type='mmdet.QDTrack',
            detector=cfg.model.detector,
            track_head=dict(
                type='mmdet.QuasiDenseTrackHead',
                roi_extractor=cfg.model.track_head.roi_extractor,
                embed_head=dict(
                    type='mmdet.QuasiDenseEmbedHead',
                    num_convs=4,
                    num_fcs=1,
                    embed_channels=256,
                    norm_cfg=dict(type='GN', num_groups=32),
                    loss_track_aux=dict(type='mmdet.L2Loss')))))
    assert type(mmdet_model) is MMDetQDTrack
    assert type(mmdet_model.track_head).__module__.startswith('mmdet.')
    assert type(MODELS.build(dict(cfg.model, _scope_='mmdet',
                                  tracker=None,
                                  track_head=None))) is MMDetQDTrack

    # one training step of the full paper model on tiny frames
    model.train()
    seed_all()
    losses = model(**make_batch(model, num_pairs=1), mode='loss')
    assert set(losses) == DET_LOSSES | TRACK_LOSSES
    assert all(
        torch.isfinite(v).all() for k, v in losses.items()
        if not isinstance(v, list))


@pytest.mark.parametrize('mode', ['one_positive', 'sparse'])
def test_ablation_modes_train(mode):
    cfg = small_cfg()
    cfg.track_head.train_cfg.match_mode = mode
    cfg.track_head.embed_head.loss_track = dict(
        type='OnePosCrossEntropyLoss', loss_weight=0.25)
    model = MODELS.build(cfg)
    model.train()
    seed_all()
    losses = model(**make_batch(model), mode='loss')
    assert losses['loss_track'] > 0 and torch.isfinite(losses['loss_track'])


def test_key_frame_without_objects():
    model = MODELS.build(small_cfg())
    model.train()
    data = make_batch(model, num_pairs=1)
    key = data['data_samples'][0].get_key_frames()[0]
    key.gt_instances = key.gt_instances[:0]
    seed_all()
    losses = model(**data, mode='loss')
    assert losses['loss_track'].item() == 0
    assert losses['loss_track_aux'].item() == 0
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()


def make_public_frame(model, frame_id, public):
    """A test frame (original 128x192) carrying public detections."""
    results = dict(
        img=[draw(np.zeros((0, 4)), 0)],
        img_id=[frame_id],
        ori_shape=[(2 * H, 2 * W)],
        img_shape=[(H, W)],
        scale_factor=[(0.5, 0.5)],
        frame_id=[frame_id],
        video_id=[0],
        public_detections=[np.asarray(public, dtype=np.float32)],
        gt_bboxes=[np.zeros((0, 4), np.float32)],
        gt_bboxes_labels=[np.zeros(0, dtype=np.int64)],
        gt_instances_ids=[np.zeros(0, dtype=np.int32)])
    packed = PackTrackInputs(meta_keys=('public_detections', ))(results)
    return model.data_preprocessor(pseudo_collate([packed]), False)


# detections of every frame (original coordinates) and public boxes with
# IoU 1.0, 0.0 and 0.4 / 0.5 to them
DETS = torch.tensor([[10., 10., 50., 90.], [100., 20., 140., 100.],
                     [150., 30., 180., 90.]])
P_D1 = [10, 10, 50, 90, 0.9]
P_D2 = [100, 20, 140, 100, 0.9]
P_D3_04 = [150, 30, 180, 58, 0.9]   # 28 / 60 of D3's height: IoU 0.4667
P_D3_05 = [150, 30, 180, 60, 0.9]   # IoU exactly 0.5


def fixed_detections(model):
    """The detector returns DETS (score 0.95, class 0) on every frame."""

    def predict(x, proposals, samples, rescale=True):
        return [InstanceData(bboxes=DETS.clone(),
                             scores=torch.full((3, ), 0.95),
                             labels=torch.zeros(3, dtype=torch.long))]

    model.detector.roi_head.predict = predict


def track_public(public_per_frame, iou_thr=0.5):
    cfg = small_cfg()
    cfg.public_det_iou_thr = iou_thr
    model = MODELS.build(cfg)
    model.eval()
    fixed_detections(model)
    one_hot_embeds(model)
    out = []
    with torch.no_grad():
        for frame_id, public in enumerate(public_per_frame):
            data = make_public_frame(model, frame_id, public)
            tracked = model(**data, mode='predict')[0][0].pred_track_instances
            rows = {}
            for box, tid in zip(tracked.bboxes, tracked.instances_id):
                det = int((box[None] == DETS).all(1).nonzero()[0, 0])
                rows[det] = int(tid)
            out.append(rows)
    return out


def test_public_protocol_restricts_track_births_only():
    """The MOT17 public preset (new tracks from score 0.9): a detection
    starts a track only near a public box (IoU >= 0.5); a track, once
    started, continues without one."""
    frames = track_public([
        [P_D1, P_D3_04],   # D1 starts; D2 has no public box, D3 IoU 0.47
        [P_D2, P_D3_05],   # D1 continues; D2 and D3 (IoU 0.5) start
        [],                # no public boxes: all three continue
    ])
    assert frames[0] == {0: 0}
    assert frames[1] == {0: 0, 1: 1, 2: 2}
    assert frames[2] == frames[1]
    # the private protocol starts all three at once
    cfg_private = track_public([[]], iou_thr=None)
    assert cfg_private == [{0: 0, 1: 1, 2: 2}]
    # a lower threshold lets D3 start in the first frame
    assert track_public([[P_D1, P_D3_04]], iou_thr=0.4)[0] == {0: 0, 2: 1}


def test_public_protocol_needs_public_detections():
    cfg = small_cfg()
    cfg.public_det_iou_thr = 0.5
    model = MODELS.build(cfg)
    model.eval()
    fixed_detections(model)
    data = make_video_frame(model, 0)
    with pytest.raises(KeyError, match='public_det_file'):
        with torch.no_grad():
            model(**data, mode='predict')


def ignore_cfg(thr=0.5):
    cfg = small_cfg()
    cfg.detector.train_cfg.rpn.assigner.ignore_iof_thr = thr
    cfg.detector.train_cfg.rcnn.assigner.ignore_iof_thr = thr
    cfg.track_head.train_cfg.assigner.ignore_iof_thr = thr
    return cfg


def test_ignore_regions_reach_every_assigner():
    """In a training step the RPN, RoI and track assigners get the ignore
    box of the frame (PackTrackInputs' ``ignored_instances``), and anchors
    mostly inside it are neither positives nor negatives."""
    seed_all()
    model = MODELS.build(ignore_cfg())
    model.train()
    data = make_batch(model)
    for track in data['data_samples']:
        for frame in track.video_data_samples:
            # the third box of each frame becomes an ignore region
            gts = frame.gt_instances
            last = gts.bboxes[:, 0].argmax()
            frame.ignored_instances = gts[last:last + 1]
            frame.gt_instances = gts[torch.arange(len(gts)) != last]
    calls = {}

    def spy(name, assigner):
        assign = assigner.assign

        def wrapped(pred, gt, ignore=None, **kwargs):
            result = assign(pred, gt, ignore, **kwargs)
            calls.setdefault(name, []).append(
                (pred.priors.detach(), ignore, result.gt_inds.clone()))
            return result
        assigner.assign = wrapped

    spy('rpn', model.detector.rpn_head.assigner)
    spy('rcnn', model.detector.roi_head.bbox_assigner)
    spy('track', model.track_head.bbox_assigner)
    model.loss(**data)
    assert set(calls) == {'rpn', 'rcnn', 'track'}
    inside_anchors = 0
    for name, records in calls.items():
        for priors, ignore, gt_inds in records:
            assert ignore is not None and len(ignore.bboxes) == 1
            iof = bbox_overlaps(priors, ignore.bboxes, mode='iof')[:, 0]
            inside = iof > 0.5
            assert not (gt_inds[inside] == 0).any(), name
            if name == 'rpn':
                inside_anchors += int((inside & (gt_inds == -1)).sum())
    assert inside_anchors > 0


@pytest.mark.parametrize('thr,expected', [(0.5, [-1, -1, 1, 0]),
                                          (-1, [0, 0, 1, 0])])
def test_ignored_proposals_are_not_sampled(thr, expected):
    """Proposals inside an ignore box (IoF > 0.5) are neither positives
    nor negatives of the RoI head and the track head; without
    ``ignore_iof_thr`` they are negatives."""
    from mmdet.structures import DetDataSample
    model = MODELS.build(ignore_cfg(thr))
    gts = InstanceData(
        bboxes=torch.tensor([[8., 6., 30., 40.], [40., 10., 70., 58.]]),
        labels=torch.zeros(2, dtype=torch.long),
        instances_ids=torch.tensor([1, 2]))
    ignored = InstanceData(bboxes=torch.tensor([[66., 4., 90., 30.]]),
                           labels=torch.zeros(1, dtype=torch.long))
    proposals = torch.tensor([[68., 6., 88., 28.], [70., 8., 86., 26.],
                              [9., 7., 29., 39.], [0., 50., 6., 63.]])
    result = model.detector.roi_head.bbox_assigner.assign(
        InstanceData(priors=proposals), gts, ignored)
    assert result.gt_inds.tolist() == expected
    sample = DetDataSample()
    sample.gt_instances = gts
    sample.ignored_instances = ignored
    feats = tuple(torch.zeros(1, 32, 64 // s, 96 // s) for s in (4, 8, 16,
                                                                 32, 64))
    sampled = model.track_head.sample(feats, 0, InstanceData(
        bboxes=proposals), sample)
    used = torch.cat([sampled.pos_priors, sampled.neg_priors])
    in_ignore = [(used == p).all(1).any().item() for p in proposals[:2]]
    assert in_ignore == ([False, False] if thr > 0 else [True, True])
# Given observations (original 128x192 image coordinates): two high, one
# medium and one low score, pairwise disjoint.
GIVEN = np.array([[10, 12, 50, 70, 0.95],
                  [100, 20, 140, 100, 0.85],
                  [60, 60, 90, 120, 0.6],
                  [150, 10, 180, 60, 0.3]], dtype=np.float32)


def given_frame(model, frame_id, given):
    data = make_video_frame(model, frame_id)
    data['data_samples'][0][0].set_metainfo(dict(public_detections=given))
    return data


def count_detector_head_calls(model):
    """Forward calls of the RPN head and the RoI box head's modules."""
    calls = []
    det = model.detector
    for name, module in (('rpn', det.rpn_head),
                         ('roi_extractor', det.roi_head.bbox_roi_extractor),
                         ('bbox_head', det.roi_head.bbox_head)):
        module.register_forward_pre_hook(
            lambda *_, name=name: calls.append(name))
    return calls


def given_model(**tracker):
    cfg = small_cfg()
    cfg.given_observations = True
    cfg.tracker.update({'init_score_thr': 0.8, 'obj_score_thr': 0.5,
                        **tracker})
    model = MODELS.build(cfg)
    model.init_weights()
    model.eval()
    return model, cfg


def test_given_observations_track_exactly_the_given_boxes():
    model, cfg = given_model()
    head_calls = count_detector_head_calls(model)
    # the real track head embeds the given boxes; one-hot codes of the box
    # index are tracked instead, so identities are known
    roi_boxes, real_embeds = [], []
    real_predict = model.track_head.predict

    def predict(feats, bboxes):
        roi_boxes.append(bboxes[0].clone())
        real_embeds.append(real_predict(feats, bboxes))
        return torch.eye(len(bboxes[0]), 16) * 20

    model.track_head.predict = predict
    frames = [GIVEN, GIVEN, GIVEN.copy()]
    frames[2][1, 4] = 0.4  # below obj_score_thr: cannot continue track 1
    outputs = []
    with torch.no_grad():
        for frame_id, given in enumerate(frames):
            outputs.append(model(**given_frame(model, frame_id, given),
                                 mode='predict')[0][0])
    assert head_calls == []

    reference = MODELS.build(cfg.tracker)  # the same track manager, alone
    expected_rows = ([0, 1], [0, 1], [0])  # hand-computed, see GIVEN
    for frame_id, (given, frame) in enumerate(zip(frames, outputs)):
        boxes = torch.from_numpy(given[:, :4])
        # the given boxes are the detections, unchanged
        torch.testing.assert_close(frame.pred_instances.bboxes, boxes,
                                   rtol=0, atol=0)
        torch.testing.assert_close(frame.pred_instances.scores,
                                   torch.from_numpy(given[:, 4]))
        assert frame.pred_instances.labels.tolist() == [0] * 4
        # embedded at the network input's scale (scale_factor 0.5)
        torch.testing.assert_close(roi_boxes[frame_id], boxes * 0.5)
        assert real_embeds[frame_id].shape == (4, 32)
        tracked = frame.pred_track_instances
        rows = expected_rows[frame_id]
        torch.testing.assert_close(tracked.bboxes, boxes[rows], rtol=0,
                                   atol=0)
        assert tracked.instances_id.tolist() == rows
        direct = reference.track(
            bboxes=boxes, scores=torch.from_numpy(given[:, 4]),
            labels=torch.zeros(4, dtype=torch.long),
            embeds=torch.eye(4, 16) * 20, frame_id=frame_id)
        torch.testing.assert_close(tracked.bboxes, direct.bboxes)
        torch.testing.assert_close(tracked.scores, direct.scores)
        assert tracked.instances_id.tolist() == direct.ids.tolist()

    # the hooks do see the detector heads when they run
    model.given_observations = False
    with torch.no_grad():
        model(**given_frame(model, 0, GIVEN), mode='predict')
    assert {'rpn', 'roi_extractor', 'bbox_head'} <= set(head_calls)


def test_given_observations_input_scale_label_empty_and_missing():
    model, _ = given_model(init_score_thr=0.0, obj_score_thr=0.0)
    model.given_label = 2
    with torch.no_grad():
        out = model(**given_frame(model, 0, GIVEN[:2]), mode='predict',
                    rescale=False)[0][0]
    # without rescaling, boxes stay at the network input's scale
    torch.testing.assert_close(out.pred_instances.bboxes,
                               torch.from_numpy(GIVEN[:2, :4]) * 0.5)
    torch.testing.assert_close(out.pred_track_instances.bboxes,
                               torch.from_numpy(GIVEN[:2, :4]) * 0.5)
    assert out.pred_track_instances.labels.tolist() == [2, 2]
    with torch.no_grad():
        out = model(**given_frame(model, 1, np.zeros((0, 5), np.float32)),
                    mode='predict')[0][0]
    assert len(out.pred_instances) == len(out.pred_track_instances) == 0
    with pytest.raises(KeyError, match='QDTrack with given_observations'):
        model(**make_video_frame(model, 2), mode='predict')
