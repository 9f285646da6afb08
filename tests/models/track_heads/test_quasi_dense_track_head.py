import pytest
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.structures import InstanceData

from qdtrack import register_all_modules
from qdtrack.models.track_heads import QuasiDenseTrackHead
from qdtrack.models.track_heads.quasi_dense_track_head import gt_match_indices
from qdtrack.registry import MODELS

register_all_modules()

CHANNELS = 16


def head_cfg(match_mode='multi_positive', **embed):
    """The public QDTrack track head, shrunk to 16 channels."""
    embed_head = dict(
        type='QuasiDenseEmbedHead',
        num_convs=4,
        num_fcs=1,
        in_channels=CHANNELS,
        conv_out_channels=CHANNELS,
        fc_out_channels=32,
        embed_channels=CHANNELS,
        norm_cfg=dict(type='GN', num_groups=4))
    embed_head.update(embed)
    return dict(
        type='QuasiDenseTrackHead',
        roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=CHANNELS,
            featmap_strides=[4, 8, 16, 32]),
        embed_head=embed_head,
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
                num=256,
                pos_fraction=0.5,
                neg_pos_ub=3,
                add_gt_as_proposals=True,
                pos_sampler=dict(type='InstanceBalancedPosSampler'),
                neg_sampler=dict(
                    type='IoUBalancedNegSampler',
                    floor_thr=-1,
                    floor_fraction=0,
                    num_bins=3)),
            match_mode=match_mode))


def feats(num_imgs=1, h=64, w=96, requires_grad=False):
    gen = torch.Generator().manual_seed(0)
    return tuple(
        torch.randn(num_imgs, CHANNELS, h // s, w // s,
                    generator=gen).requires_grad_(requires_grad)
        for s in (4, 8, 16, 32))


def frame(bboxes, ids, labels=None):
    sample = DetDataSample(metainfo=dict(img_shape=(64, 96)))
    bboxes = torch.tensor(bboxes, dtype=torch.float32)
    labels = torch.zeros(len(ids)).long() if labels is None else labels
    sample.gt_instances = InstanceData(
        bboxes=bboxes,
        labels=labels,
        instances_ids=torch.tensor(ids, dtype=torch.int32))
    sample.ignored_instances = InstanceData()
    return sample


def pair(key, ref, key_first=True):
    sample = TrackDataSample()
    sample.video_data_samples = [key, ref] if key_first else [ref, key]
    sample.set_metainfo(
        dict(key_frames_inds=[0 if key_first else 1],
             ref_frames_inds=[1 if key_first else 0]))
    return sample


def hand_case():
    """Key gts A (id 1), B (id 2); reference gts B' (2), A' (1), C (3).

    Key proposals: a shift of A (IoU 0.905) and a background box. Reference
    proposals: a shift of A' (IoU 0.905), a crop of B' (IoU 0.9) and a
    background box. All of them get sampled.
    """
    key = frame([[10, 10, 30, 40], [50, 10, 80, 50]], [1, 2])
    ref = frame([[52, 12, 82, 52], [12, 10, 32, 40], [60, 0, 90, 10]],
                [2, 1, 3])
    key_props = InstanceData(
        bboxes=torch.tensor([[11., 10., 31., 40.], [0., 50., 8., 60.]]))
    ref_props = InstanceData(bboxes=torch.tensor([[13., 10., 33., 40.],
                                                  [52., 12., 82., 48.],
                                                  [0., 50., 8., 60.]]))
    return [pair(key, ref, key_first=False)], [key_props], [ref_props]


def spy_targets(head):
    captured = {}
    get_targets = head.embed_head.get_targets

    def spy(*args, **kwargs):
        out = get_targets(*args, **kwargs)
        captured['targets'], captured['weights'] = out
        return out

    head.embed_head.get_targets = spy
    return captured


# rows: key RoIs A, B, shift of A; columns: reference RoIs B', A', C,
# shift of A', crop of B', background
EXPECTED_TARGETS = {
    'multi_positive': [[0, 1, 0, 1, 0, 0], [1, 0, 0, 0, 1, 0],
                       [0, 1, 0, 1, 0, 0]],
    'one_positive': [[0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0],
                     [0, 1, 0, 0, 0, 0]],
    # only gts: rows A, B; columns B', A', C
    'sparse': [[0, 1, 0], [1, 0, 0]],
}


@pytest.mark.parametrize('mode', sorted(EXPECTED_TARGETS))
def test_match_mode_targets(mode):
    embed = {}
    if mode != 'multi_positive':
        embed['loss_track'] = dict(type='OnePosCrossEntropyLoss',
                                   loss_weight=0.25)
    head = MODELS.build(head_cfg(mode, **embed))
    captured = spy_targets(head)
    data_samples, key_props, ref_props = hand_case()
    losses = head.loss(feats(), feats(), key_props, ref_props, data_samples)
    torch.testing.assert_close(captured['targets'][0],
                               torch.tensor(EXPECTED_TARGETS[mode]))
    assert (captured['weights'][0] == 1).all()
    assert set(losses) == {'loss_track', 'loss_track_aux'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())


def test_invalid_match_mode():
    with pytest.raises(ValueError):
        MODELS.build(head_cfg('dense'))


def test_gt_match_indices_keeps_instance_id_zero():
    key = torch.tensor([0, 4, 7, -1, 9])
    ref = torch.tensor([7, 0, -1, 4, 7])
    torch.testing.assert_close(
        gt_match_indices(key, ref), torch.tensor([1, 3, 0, -1, -1]))
    assert gt_match_indices(key, torch.zeros(0)).tolist() == [-1] * 5


def test_sampling_sizes_and_gradients():
    torch.manual_seed(0)
    head = MODELS.build(head_cfg())
    assert isinstance(head, QuasiDenseTrackHead)
    gts = torch.tensor([[10., 10., 30., 40.], [50., 10., 80., 50.],
                        [30., 20., 60., 60.]])
    data_samples, key_props, ref_props = [], [], []
    for i in range(2):
        key = frame(gts.tolist(), [1, 2, 3])
        ref = frame((gts[[2, 0]] + 2).tolist(), [3, 1])
        data_samples.append(pair(key, ref, key_first=i == 0))
        for props in (key_props, ref_props):
            # 300 jittered copies of the gts and 300 random boxes
            jitter = gts.repeat(100, 1) + torch.randn(300, 4) * 2
            xy = torch.rand(300, 2) * torch.tensor([80., 50.])
            rand = torch.cat([xy, xy + 4 + torch.rand(300, 2) * 20], 1)
            props.append(InstanceData(bboxes=torch.cat([jitter, rand])))

    results = {}
    sample = head.sample

    def spy(feats_, img_id, proposals, data_sample):
        res = sample(feats_, img_id, proposals, data_sample)
        results.setdefault(id(feats_), []).append(res)
        return res

    head.sample = spy
    key_feats = feats(2, requires_grad=True)
    ref_feats = feats(2, requires_grad=True)
    losses = head.loss(key_feats, ref_feats, key_props, ref_props,
                       data_samples)
    for res in results[id(key_feats)]:
        # plenty of positives: the 128 key positives get embedded
        assert len(res.pos_inds) == 128 and len(res.neg_inds) == 128
    for res in results[id(key_feats)] + results[id(ref_feats)]:
        # 256 RoIs per frame, at most half of them positive
        assert len(res.pos_inds) <= 128 and len(res.priors) == 256
        # instance-balanced: every gt gets positives
        assert set(res.pos_assigned_gt_inds.tolist()) == set(
            range(res.num_gts))
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    # RoIs smaller than 112 px map to the stride-4 level
    assert key_feats[0].grad.abs().sum() > 0
    assert ref_feats[0].grad.abs().sum() > 0
    for name, param in head.named_parameters():
        assert param.grad is not None, name


def test_predict_embeds_given_boxes():
    head = MODELS.build(head_cfg())
    x = feats(1)
    boxes = torch.tensor([[10., 10., 30., 40.], [50., 10., 80., 50.]])
    embeds = head.predict(x, [boxes])
    assert embeds.shape == (2, CHANNELS)
    rois = torch.cat([boxes.new_zeros(2, 1), boxes], 1)
    expected = head.embed_head(head.roi_extractor(x, rois))
    torch.testing.assert_close(embeds, expected)
    assert head.predict(x, [boxes[:0]]).shape == (0, CHANNELS)
