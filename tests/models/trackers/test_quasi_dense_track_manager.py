"""Tests of the QDTrack track manager, its similarity and matching helpers."""
import itertools
import math
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmdet.models.trackers import QuasiDenseTracker
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

from qdtrack.models.trackers.matching import greedy_match, hungarian_match
from qdtrack.models.trackers.mmdet_compat import mmdet_tracker_kwargs
from qdtrack.models.trackers.quasi_dense_track_manager import (
    QuasiDenseTrackManager,
)
from qdtrack.models.trackers.similarity import (
    bisoftmax_similarity,
    match_similarity,
)
from qdtrack.registry import MODELS

CONFIG_DIR = osp.join(
    osp.dirname(__file__), '..', '..', '..', 'configs', '_base_', 'trackers')
PRESETS = ('qdtrack_mot17.py', 'qdtrack_bdd100k.py', 'qdtrack_tao.py')


def _box(x, y, w=10., h=20.):
    return [x, y, x + w, y + h]


def _frame(dets, dim=4):
    """Tensors of one frame from ``(box, score, label, embed)`` tuples."""
    if not dets:
        return (torch.zeros(0, 4), torch.zeros(0), torch.zeros(0).long(),
                torch.zeros(0, dim))
    boxes, scores, labels, embeds = zip(*dets)
    return (torch.tensor(boxes, dtype=torch.float32),
            torch.tensor(scores, dtype=torch.float32), torch.tensor(labels),
            torch.stack([torch.as_tensor(e, dtype=torch.float32)
                         for e in embeds]))


def _unit(k, dim=4, scale=10.):
    e = torch.zeros(dim)
    e[k] = scale
    return e


def _ids_by_input_row(result, num_dets):
    """Track id of each input row, -1 for rows not returned."""
    ids = [-1] * num_dets
    for row, track_id in zip(result.det_inds.tolist(), result.ids.tolist()):
        ids[row] = track_id
    return ids


# ---------------------------------------------------------------------------
# similarity
# ---------------------------------------------------------------------------


def test_bisoftmax_hand_computed_2x2():
    # dot products [[1, 1], [0, 1]]
    embeds = torch.tensor([[1., 0.], [0., 1.]])
    memo = torch.tensor([[1., 0.], [1., 1.]])
    s = 1 / (1 + math.exp(-1))  # softmax([1, 0])[0] = sigmoid(1)
    # softmax over memory: row0 [.5, .5], row1 [1 - s, s]
    # softmax over dets:   col0 [s, 1 - s], col1 [.5, .5]
    expected = torch.tensor([[(0.5 + s) / 2, (0.5 + 0.5) / 2],
                             [(1 - s + 1 - s) / 2, (s + 0.5) / 2]])
    sim = bisoftmax_similarity(embeds, memo)
    assert torch.allclose(sim, expected, atol=1e-6)
    assert sim[0, 0].item() == pytest.approx(0.6155294, abs=1e-6)

    cos = torch.tensor([[1., 1 / math.sqrt(2)], [0., 1 / math.sqrt(2)]])
    masa = match_similarity(embeds, memo, 'masa')
    assert torch.allclose(masa, (expected + cos) / 2, atol=1e-6)
    assert torch.allclose(
        match_similarity(embeds, memo, 'cosine'), cos, atol=1e-6)


def test_similarity_category_masks():
    embeds = torch.tensor([[1., 0.], [0., 1.]])
    memo = torch.tensor([[1., 0.], [1., 1.]])
    valid = torch.tensor([[True, False], [True, True]])
    s = 1 / (1 + math.exp(-1))
    after = match_similarity(embeds, memo, 'bisoftmax', valid)
    assert after[0, 1] == float('-inf')
    assert after[0, 0].item() == pytest.approx((0.5 + s) / 2, abs=1e-6)
    before = match_similarity(
        embeds, memo, 'bisoftmax', valid, mask_before_softmax=True)
    # row 0 has one valid item: softmax over memory = 1; column 0 unchanged
    assert before[0, 0].item() == pytest.approx((1 + s) / 2, abs=1e-6)
    # column 1 has one valid detection: softmax over detections = 1
    assert before[1, 1].item() == pytest.approx((s + 1) / 2, abs=1e-6)
    assert before[1, 0].item() == pytest.approx((1 - s) / 2 + (1 - s) / 2,
                                                abs=1e-6)
    # a row without any valid item gets no NaN
    none = torch.zeros(2, 2, dtype=torch.bool)
    out = match_similarity(embeds, memo, 'masa', none, True)
    assert torch.isneginf(out).all()
    with pytest.raises(ValueError):
        match_similarity(embeds, memo, 'l2')


# ---------------------------------------------------------------------------
# matching
# ---------------------------------------------------------------------------


def _greedy_loop(sim, thr, takeable, can_take):
    """Reference: the public code's loop over detections."""
    sim = sim.clone()
    cols = []
    for i in range(sim.size(0)):
        conf, j = sim[i].max(dim=0)
        cols.append(int(j) if conf > thr else -1)
        if conf > thr and takeable[j] and can_take[i]:
            sim[:, j] = float('-inf')
    return torch.tensor(cols, dtype=torch.long)


def test_greedy_matches_loop_on_random_matrices():
    gen = torch.Generator().manual_seed(0)
    for _ in range(300):
        n, m = torch.randint(1, 10, (2, ), generator=gen).tolist()
        # few distinct values -> many rows competing for the same column
        sim = torch.rand(n, m, generator=gen).mul(3).round().div(3)
        sim += torch.rand(n, m, generator=gen) * 1e-3
        sim[torch.rand(n, m, generator=gen) < 0.2] = float('-inf')
        takeable = torch.rand(m, generator=gen) < 0.7
        can_take = torch.rand(n, generator=gen) < 0.7
        cols, confs = greedy_match(sim, 0.3, takeable, can_take)
        assert torch.equal(cols, _greedy_loop(sim, 0.3, takeable, can_take))
        hit = cols >= 0
        assert torch.equal(confs[hit], sim[hit.nonzero()[:, 0], cols[hit]])


def test_greedy_and_hungarian_differ():
    sim = torch.tensor([[0.9, 0.8], [0.85, 0.1]])
    yes2 = torch.ones(2, dtype=torch.bool)
    greedy, _ = greedy_match(sim, 0.5, yes2, yes2)
    assert greedy.tolist() == [0, -1]  # row 1 loses column 0 to row 0
    hungarian, confs = hungarian_match(sim, 0.5, yes2, yes2)
    assert hungarian.tolist() == [1, 0]  # gain 0.3 + 0.35 > 0.4
    assert torch.allclose(confs, torch.tensor([0.8, 0.85]))


def test_hungarian_is_optimal_and_respects_backdrops():
    gen = torch.Generator().manual_seed(1)
    thr = 0.4
    for _ in range(100):
        sim = torch.rand(4, 4, generator=gen)
        yes = torch.ones(4, dtype=torch.bool)
        cols, _ = hungarian_match(sim, thr, yes, yes)
        matched = cols[cols >= 0]
        assert matched.unique().numel() == matched.numel()
        got = sum(sim[i, j] - thr for i, j in enumerate(cols.tolist())
                  if j >= 0)
        gains = (sim - thr).clamp(min=0)
        best = max(
            sum(gains[i, p[i]] for i in range(4))
            for p in itertools.permutations(range(4)))
        assert float(got) == pytest.approx(float(best), abs=1e-5)
    # column 1 is a backdrop: row 0 is absorbed by it, row 1 takes column 0,
    # row 2 (cannot take) falls back on column 2 (column 0 is assigned)
    sim = torch.tensor([[0.7, 0.9, 0.0], [0.8, 0.0, 0.0], [0.95, 0.0, 0.6]])
    cols, _ = hungarian_match(sim, 0.5, torch.tensor([True, False, True]),
                              torch.tensor([True, True, False]))
    assert cols.tolist() == [1, 0, 2]


# ---------------------------------------------------------------------------
# track manager on hand-made streams
# ---------------------------------------------------------------------------


def test_momentum_weights_new_embedding_and_state():
    tracker = QuasiDenseTrackManager(memo_momentum=0.8)
    old, new = _unit(0), _unit(0) + _unit(1, scale=1.)
    tracker.track(*_frame([(_box(0, 0), 0.9, 0, old)]), frame_id=0)
    out = tracker.track(*_frame([(_box(1, 0), 0.9, 0, new)]), frame_id=1)
    assert out.ids.tolist() == [0]
    assert torch.allclose(tracker.tracks['embeds'][0], 0.2 * old + 0.8 * new)
    assert tracker.tracks['bboxes'][0].tolist() == _box(1, 0)
    assert tracker.tracks['frame_ids'].tolist() == [1]
    tracker.reset()
    assert tracker.empty and tracker.num_tracks == 0
    out = tracker.track(*_frame([(_box(0, 0), 0.9, 0, new)]), frame_id=0)
    assert out.ids.tolist() == [0]


def test_score_thresholds_and_output_order():
    tracker = QuasiDenseTrackManager(init_score_thr=0.8, obj_score_thr=0.5)
    dets = [(_box(0, 0), 0.7, 0, _unit(0)), (_box(50, 0), 0.95, 0, _unit(1)),
            (_box(100, 0), 0.85, 0, _unit(2))]
    out = tracker.track(*_frame(dets), frame_id=0)
    # score order, ids in score order; the 0.7 detection does not start one
    assert out.det_inds.tolist() == [1, 2]
    assert out.ids.tolist() == [0, 1]
    assert out.scores.tolist() == pytest.approx([0.95, 0.85])
    # ... it became a backdrop
    assert tracker.backdrops['bboxes'].tolist() == [_box(0, 0)]
    # a low-score (<= obj_score_thr) detection matched to a track is dropped
    # as a duplicate: not output, not a backdrop
    dets = [(_box(50, 0), 0.4, 0, _unit(1)), (_box(100, 0), 0.9, 0, _unit(2))]
    out = tracker.track(*_frame(dets), frame_id=1)
    assert _ids_by_input_row(out, 2) == [-1, 1]
    assert tracker.backdrops['bboxes'].numel() == 0


def test_outputs_are_ordinary_tensors_and_frames_reported():
    # the step runs in inference mode; what it returns may still be
    # modified in place, and does not alias the memory
    tracker = QuasiDenseTrackManager(num_frames_retain=5,
                                     num_frames_backdrop=2)
    dets = [(_box(0, 0), 0.9, 0, _unit(0)), (_box(50, 0), 0.6, 0, _unit(1))]
    out = tracker.track(*_frame(dets), frame_id=3)
    for key in ('bboxes', 'scores', 'labels', 'ids', 'det_inds'):
        assert not out[key].is_inference()
    out.bboxes += 1
    assert tracker.tracks['bboxes'].tolist() == [_box(0, 0)]
    # last frame seen, for tracks and backdrops alike
    assert tracker.tracks['frame_ids'].tolist() == [3]
    assert tracker.backdrops['frame_ids'].tolist() == [3]
    tracker.track(*_frame(dets[1:]), frame_id=5)
    assert tracker.tracks['frame_ids'].tolist() == [3]
    assert tracker.backdrops['frame_ids'].tolist() == [5]


def test_tied_scores_keep_input_order():
    # stable sort: ties keep the input order (torch.sort in mmdet does not
    # guarantee it)
    dets = [(_box(50. * k, 0), 0.9, 0, _unit(k % 4)) for k in range(20)]
    out = QuasiDenseTrackManager().track(*_frame(dets), 0)
    assert out.det_inds.tolist() == list(range(20))
    assert out.ids.tolist() == list(range(20))


def test_crossing_objects_keep_ids():
    gen = torch.Generator().manual_seed(0)
    tracker = QuasiDenseTrackManager()
    ids_a, ids_b = [], []
    for t in range(9):
        # A moves right, B moves left: same x at t = 4 (IoU 0.6 there), then
        # they have swapped sides
        xa, xb = 10. * t, 80. - 10. * t
        dets = [(_box(xa, 0, 20, 40), 0.92 - 0.02 * (t % 2), 0,
                 _unit(0) + 0.3 * torch.randn(4, generator=gen)),
                (_box(xb, 10, 20, 40), 0.91, 0,
                 _unit(1) + 0.3 * torch.randn(4, generator=gen))]
        out = tracker.track(*_frame(dets), frame_id=t)
        assert out.ids.numel() == 2
        ida, idb = _ids_by_input_row(out, 2)
        ids_a.append(ida)
        ids_b.append(idb)
    assert ids_a == [0] * 9
    assert ids_b == [1] * 9


@pytest.mark.parametrize('retain,expected', [(10, 0), (3, 2)])
def test_occlusion_and_return(retain, expected):
    tracker = QuasiDenseTrackManager(num_frames_retain=retain)
    a, b = _unit(0) + _unit(2, scale=0.5), _unit(1)
    for t in range(11):
        dets = [(_box(100, 0), 0.9, 0, b)]
        if t < 5 or t == 10:  # A hidden during frames 5-9
            dets.append((_box(10 + t, 0), 0.95, 0, a))
        out = tracker.track(*_frame(dets), frame_id=t)
        ids = _ids_by_input_row(out, len(dets))
        assert ids[0] == 1  # B
        if t == 9:  # A last seen at frame 4
            assert (0 in tracker.tracks['ids'].tolist()) == (retain == 10)
    # A comes back at frame 10, 6 frames after it was last seen
    assert ids[1] == expected


@pytest.mark.parametrize('num_frames_backdrop,fp_id', [(1, -1), (0, 0)])
def test_false_positive_absorbed_by_backdrop(num_frames_backdrop, fp_id):
    tracker = QuasiDenseTrackManager(num_frames_backdrop=num_frames_backdrop)
    a, b = _unit(0), _unit(1)
    fp = 10 * (0.6 * _unit(0, scale=1.) + 0.8 * _unit(2, scale=1.))
    tracker.track(
        *_frame([(_box(0, 0), 0.95, 0, a), (_box(50, 0), 0.9, 0, b)]), 0)
    # frame 1: the false positive (score 0.6 < init_score_thr) appears
    out = tracker.track(
        *_frame([(_box(0, 0), 0.95, 0, a), (_box(50, 0), 0.9, 0, b),
                 (_box(100, 0), 0.6, 0, fp)]), 1)
    assert _ids_by_input_row(out, 3) == [0, 1, -1]
    # frame 2: A is occluded; the false positive resembles A but resembles
    # its own backdrop more
    out = tracker.track(
        *_frame([(_box(50, 0), 0.9, 0, b), (_box(100, 0), 0.6, 0, fp)]), 2)
    assert _ids_by_input_row(out, 2) == [1, fp_id]


def test_duplicate_of_another_class_removed():
    box = _box(0, 0, 10, 10)
    # IoU with box: 0.8 (shift 1.111 in x), 0.5 (shift 3.333), 0.4 (4.286)
    iou_08 = _box(10 / 9, 0, 10, 10)
    iou_05 = _box(10 / 3, 0, 10, 10)
    iou_04 = _box(30 / 7, 0, 10, 10)
    e = [_unit(k) for k in range(4)]
    dets = [(box, 0.95, 0, e[0]), (iou_08, 0.9, 1, e[1]),
            (_box(100, 0, 10, 10), 0.85, 2, e[2]),
            (_box(100 + 10 / 3, 0, 10, 10), 0.82, 1, e[3])]
    out = QuasiDenseTrackManager().track(*_frame(dets), 0)
    # the class-1 box at IoU 0.8 > 0.7 is removed, the one at 0.5 is kept
    assert out.det_inds.tolist() == [0, 2, 3]
    assert out.ids.tolist() == [0, 1, 2]
    # below obj_score_thr the threshold is 0.3: IoU 0.4 removes it, and the
    # removed one is not kept as a backdrop either
    tracker = QuasiDenseTrackManager()
    tracker.track(*_frame([(box, 0.95, 0, e[0]), (iou_04, 0.45, 1, e[1]),
                           (_box(50, 0), 0.45, 1, e[2])]), 0)
    assert tracker.backdrops['bboxes'].tolist() == [_box(50, 0)]
    # class-aware duplicate removal keeps the other-class box
    out = QuasiDenseTrackManager(nms_with_cats=True).track(
        *_frame(dets[:2]), 0)
    assert out.det_inds.tolist() == [0, 1]
    # nms_score_thr decouples the low-score threshold from obj_score_thr
    out = QuasiDenseTrackManager(nms_score_thr=0.96).track(
        *_frame([(box, 0.97, 0, e[0]), (iou_05, 0.95, 1, e[1])]), 0)
    assert out.det_inds.tolist() == [0]


@pytest.mark.parametrize('with_cats,expected', [(True, 1), (False, 0)])
def test_same_category_switch(with_cats, expected):
    tracker = QuasiDenseTrackManager(with_cats=with_cats)
    tracker.track(*_frame([(_box(0, 0), 0.9, 0, _unit(0))]), 0)
    # same object, label flipped by the classifier
    out = tracker.track(*_frame([(_box(1, 0), 0.9, 1, _unit(0))]), 1)
    assert out.ids.tolist() == [expected]


def test_greedy_and_hungarian_differ_in_manager():
    def unit_at(deg):
        rad = math.radians(deg)
        return torch.tensor([math.cos(rad), math.sin(rad)])

    results = {}
    for method in ('greedy', 'hungarian'):
        tracker = QuasiDenseTrackManager(
            match_metric='cosine', match_method=method)
        # track 0 at 0 degrees, track 1 at 60 degrees
        tracker.track(*_frame([(_box(0, 0), 0.9, 0, unit_at(0)),
                               (_box(50, 0), 0.85, 0, unit_at(60))], 2), 0)
        # det 0: cos 0.94 / 0.77; det 1: cos 0.87 / 0.0
        out = tracker.track(*_frame([(_box(0, 0), 0.9, 0, unit_at(20)),
                                     (_box(50, 0), 0.85, 0, unit_at(-30))],
                                    2), 1)
        results[method] = _ids_by_input_row(out, 2)
    assert results['greedy'] == [0, 2]  # det 1 loses track 0, starts one
    assert results['hungarian'] == [1, 0]


def test_score_momentum():
    tracker = QuasiDenseTrackManager(score_momentum=0.5, init_score_thr=0.,
                                     obj_score_thr=0.)
    tracker.track(*_frame([(_box(0, 0), 0.9, 0, _unit(0))]), 0)
    out = tracker.track(*_frame([(_box(0, 0), 0.6, 0, _unit(0))]), 1)
    assert out.scores.tolist() == pytest.approx([0.75])
    out = tracker.track(*_frame([(_box(0, 0), 0.55, 0, _unit(0))]), 2)
    assert out.scores.tolist() == pytest.approx([0.65])


def test_memory_ages_by_frame_id():
    # frame 1 has no detection: the track of frame 0 is forgotten at frame 2
    # with num_frames_retain=1, and the frame-0 backdrop too
    tracker = QuasiDenseTrackManager(num_frames_retain=1)
    tracker.track(*_frame([(_box(0, 0), 0.9, 0, _unit(0)),
                           (_box(50, 0), 0.6, 0, _unit(1))]), 0)
    assert tracker.track(*_frame([]), 1).ids.numel() == 0
    out = tracker.track(*_frame([(_box(0, 0), 0.9, 0, _unit(0))]), 2)
    assert out.ids.tolist() == [1]
    assert tracker.backdrops['bboxes'].numel() == 0
    # mmdet does not age its memory on the empty frame and keeps id 0
    mmdet_tracker = QuasiDenseTracker(memo_tracklet_frames=1)
    mmdet_ids = [
        _mmdet_step(mmdet_tracker, *_frame(dets), frame_id)[3].tolist()
        for frame_id, dets in enumerate([[(_box(0, 0), 0.9, 0, _unit(0))], [],
                                         [(_box(0, 0), 0.9, 0, _unit(0))]])
    ]
    assert mmdet_ids == [[0], [], [0]]
    with pytest.raises(ValueError):
        tracker.track(*_frame([]), 2)
    # skipped frame ids count too: seen at 0, matchable at 2, not at 3
    for last, expected in ((2, [0]), (3, [1])):
        tracker = QuasiDenseTrackManager(num_frames_retain=2)
        tracker.track(*_frame([(_box(0, 0), 0.9, 0, _unit(0))]), 0)
        out = tracker.track(*_frame([(_box(0, 0), 0.9, 0, _unit(0))]), last)
        assert out.ids.tolist() == expected


def test_empty_memory_and_errors():
    tracker = QuasiDenseTrackManager()
    out = tracker.track(*_frame([]), 0)
    assert out.bboxes.shape == (0, 4) and out.ids.dtype == torch.long
    with pytest.raises(ValueError):
        tracker.track(torch.zeros(2, 5), torch.zeros(2), torch.zeros(2),
                      torch.zeros(2, 4), 1)
    with pytest.raises(ValueError):
        QuasiDenseTrackManager(match_method='auction')
    with pytest.raises(ValueError):
        QuasiDenseTrackManager(match_metric='l1')


# ---------------------------------------------------------------------------
# configs and equivalence with mmdet 3.3's QuasiDenseTracker
# ---------------------------------------------------------------------------


def _build_preset(name, **overrides):
    preset = Config.fromfile(osp.join(CONFIG_DIR, name))
    # qdtrack_<dataset>.py defines <dataset>_tracker
    cfg = preset[name[len('qdtrack_'):-len('.py')] + '_tracker']
    cfg.update(overrides)
    return MODELS.build(cfg)


def test_presets_build():
    mot = _build_preset('qdtrack_mot17.py')
    assert isinstance(mot, QuasiDenseTrackManager)
    assert (mot.init_score_thr, mot.num_frames_retain) == (0.9, 30)
    bdd = _build_preset('qdtrack_bdd100k.py')
    assert (bdd.init_score_thr, bdd.obj_score_thr) == (0.7, 0.3)
    tao = _build_preset('qdtrack_tao.py')
    assert tao.match_metric == 'masa' and tao.num_frames_backdrop == 0
    assert tao.nms_score_thr == 0.5 and tao.mask_cats_before_softmax


def test_tao_preset_behaviour():
    tracker = _build_preset('qdtrack_tao.py')
    box = _box(0, 0, 10, 10)
    iou_05 = _box(10 / 3, 0, 10, 10)
    e = [_unit(k) for k in range(4)]
    dets = [(box, 0.9, 0, e[0]), (iou_05, 0.4, 0, e[1]),
            (iou_05, 0.3, 1, e[2]), (_box(50, 0), 0.05, 2, e[3])]
    out = tracker.track(*_frame(dets), 0)
    # only the same-class low-score duplicate is removed; every other
    # detection starts a track (init_score_thr=0.0001)
    assert out.det_inds.tolist() == [0, 2, 3]
    assert out.ids.tolist() == [0, 1, 2]
    assert tracker.backdrops['bboxes'].numel() == 0
    # the class-0 track: softmaxes over class-0 items only, score smoothed
    out = tracker.track(*_frame([(box, 0.5, 0, e[0])]), 1)
    assert out.ids.tolist() == [0]
    assert out.scores.tolist() == pytest.approx([0.7])


def _mmdet_step(tracker, bboxes, scores, labels, embeds, frame_id):
    model = SimpleNamespace(
        track_head=SimpleNamespace(predict=lambda feats, rois: embeds))
    sample = DetDataSample(metainfo=dict(frame_id=frame_id))
    sample.pred_instances = InstanceData(
        bboxes=bboxes, scores=scores, labels=labels)
    out = tracker.track(model, None, None, sample, rescale=False)
    return out.bboxes, out.scores, out.labels, out.instances_id


def _random_stream(seed, num_frames=25, num_objects=12, dim=16):
    """Moving objects with noisy embeddings, duplicates and false positives.

    Scores are continuous random numbers, hence never tied.
    """
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.rand(*shape, generator=gen)

    protos = torch.randn(num_objects, dim, generator=gen) * 1.5
    labels = torch.randint(0, 3, (num_objects, ), generator=gen)
    pos = rand(num_objects, 2) * 400
    vel = (rand(num_objects, 2) - 0.5) * 20
    size = 20 + rand(num_objects, 2) * 40
    frames = []
    for t in range(num_frames):
        visible = rand(num_objects) < 0.8
        xy = pos + vel * t
        boxes = torch.cat([xy, xy + size], dim=1)[visible]
        scores = 0.3 + 0.7 * rand(num_objects)[visible]
        embeds = protos[visible] + 0.6 * torch.randn(
            int(visible.sum()), dim, generator=gen)
        labs = labels[visible]
        # duplicates: jittered copies with lower scores and any label
        dup = rand(boxes.size(0)) < 0.25
        dup_boxes = boxes[dup] + (rand(int(dup.sum()), 4) - 0.5) * 8
        dup_scores = scores[dup] * rand(int(dup.sum()))
        dup_embeds = embeds[dup] + 0.6 * torch.randn(
            int(dup.sum()), dim, generator=gen)
        dup_labels = torch.randint(0, 3, (int(dup.sum()), ), generator=gen)
        # false positives
        num_fp = int(torch.randint(0, 3, (1, ), generator=gen))
        fp_xy = rand(num_fp, 2) * 400
        fp_boxes = torch.cat([fp_xy, fp_xy + 30], dim=1)
        fp_scores = 0.2 + 0.7 * rand(num_fp)
        fp_embeds = torch.randn(num_fp, dim, generator=gen) * 1.5
        fp_labels = torch.randint(0, 3, (num_fp, ), generator=gen)
        frames.append((torch.cat([boxes, dup_boxes, fp_boxes]),
                       torch.cat([scores, dup_scores, fp_scores]),
                       torch.cat([labs, dup_labels, fp_labels]),
                       torch.cat([embeds, dup_embeds, fp_embeds])))
    return frames


@pytest.mark.parametrize('preset,overrides,seed', [
    ('qdtrack_mot17.py', {}, 0),
    ('qdtrack_mot17.py', dict(num_frames_retain=3), 1),
    ('qdtrack_bdd100k.py', {}, 2),
    ('qdtrack_bdd100k.py', dict(with_cats=False, match_metric='cosine'), 3),
    ('qdtrack_bdd100k.py', dict(match_metric='softmax',
                                num_frames_backdrop=3), 4),
])
def test_equivalence_with_mmdet(preset, overrides, seed):
    ours = _build_preset(preset, **overrides)
    theirs = QuasiDenseTracker(**mmdet_tracker_kwargs(ours))
    num_continued = 0
    for frame_id, frame in enumerate(_random_stream(seed)):
        num_before = ours.num_tracks
        out = ours.track(*frame, frame_id=frame_id)
        bboxes, scores, labels, ids = _mmdet_step(theirs, *frame, frame_id)
        assert torch.equal(out.ids, ids), frame_id
        assert torch.equal(out.bboxes, bboxes)
        assert torch.equal(out.scores, scores)
        assert torch.equal(out.labels, labels)
        assert torch.equal(frame[0][out.det_inds], out.bboxes)
        num_continued += int((out.ids < num_before).sum())
    # the stream exercises continued tracks, not only new ones
    assert num_continued > 50
    assert ours.num_tracks == int(theirs.num_tracks)


@pytest.mark.parametrize('method', ['greedy', 'hungarian'])
def test_ids_unique_and_consecutive(method):
    tracker = _build_preset('qdtrack_bdd100k.py', match_method=method)
    for frame_id, frame in enumerate(_random_stream(5)):
        num_before = tracker.num_tracks
        out = tracker.track(*frame, frame_id=frame_id)
        ids = out.ids.tolist()
        assert len(set(ids)) == len(ids)
        new = sorted(i for i in ids if i >= num_before)
        assert new == list(range(num_before, tracker.num_tracks))
        assert (out.scores > tracker.obj_score_thr).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_cuda_matches_cpu():
    cpu = _build_preset('qdtrack_mot17.py')
    gpu = _build_preset('qdtrack_mot17.py')
    for frame_id, frame in enumerate(_random_stream(6)):
        a = cpu.track(*frame, frame_id=frame_id)
        b = gpu.track(*[x.cuda() for x in frame], frame_id=frame_id)
        assert b.ids.is_cuda
        assert torch.equal(a.ids, b.ids.cpu())
        assert torch.equal(a.det_inds, b.det_inds.cpu())


@pytest.mark.parametrize('option', [
    dict(match_method='hungarian'), dict(score_momentum=0.5),
    dict(nms_with_cats=True), dict(mask_cats_before_softmax=True),
    dict(nms_score_thr=0.3)
])
def test_mmdet_kwargs_refuse_options_mmdet_lacks(option):
    assert QuasiDenseTracker(
        **mmdet_tracker_kwargs(QuasiDenseTrackManager())).memo_momentum == 0.8
    with pytest.raises(ValueError, match='mmdet.QuasiDenseTracker has no'):
        mmdet_tracker_kwargs(QuasiDenseTrackManager(**option))
