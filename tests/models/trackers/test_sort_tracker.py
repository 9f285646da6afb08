"""Tests of the SORT tracker and its batched box Kalman filter."""
import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment

from qdtrack.models.trackers.box_kalman_filter import (
    BoxKalmanFilter,
    bbox_xysr_to_xyxy,
    bbox_xyxy_to_xysr,
)
from qdtrack.models.trackers.sort_tracker import (
    SORTTracker,
    bbox_iou_matrix,
    match_by_iou,
)

# --------------------------------------------------------------------------
# Independent references: a dense single-track Kalman filter and a per-track
# loop implementation of the original SORT algorithm.
# --------------------------------------------------------------------------

REF_F = np.array([[1, 0, 0, 0, 1, 0, 0],
                  [0, 1, 0, 0, 0, 1, 0],
                  [0, 0, 1, 0, 0, 0, 1],
                  [0, 0, 0, 1, 0, 0, 0],
                  [0, 0, 0, 0, 1, 0, 0],
                  [0, 0, 0, 0, 0, 1, 0],
                  [0, 0, 0, 0, 0, 0, 1]], dtype=float)
REF_H = np.array([[1, 0, 0, 0, 0, 0, 0],
                  [0, 1, 0, 0, 0, 0, 0],
                  [0, 0, 1, 0, 0, 0, 0],
                  [0, 0, 0, 1, 0, 0, 0]], dtype=float)


def ref_box_to_z(box):
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    return np.array([x1 + w / 2.0, y1 + h / 2.0, w * h, w / h])


def ref_x_to_box(x):
    w = np.sqrt(x[2] * x[3])
    h = x[2] / w
    return np.array([x[0] - w / 2, x[1] - h / 2, x[0] + w / 2, x[1] + h / 2])


def ref_iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) -
             inter)
    return inter / union


class RefKalman:
    """Textbook Kalman filter of one track, filterpy-style matrices."""

    def __init__(self, z):
        self.R = np.eye(4)
        self.R[2:, 2:] *= 10.0
        self.P = np.eye(7)
        self.P[4:, 4:] *= 1000.0
        self.P *= 10.0
        self.Q = np.eye(7)
        self.Q[-1, -1] *= 0.01
        self.Q[4:, 4:] *= 0.01
        self.x = np.zeros(7)
        self.x[:4] = z
        self.clamped = False

    def predict(self):
        if self.x[6] + self.x[2] <= 0:
            self.x[6] = 0.0
            self.clamped = True
        self.x = REF_F @ self.x
        self.P = REF_F @ self.P @ REF_F.T + self.Q

    def update(self, z):
        S = REF_H @ self.P @ REF_H.T + self.R
        K = self.P @ REF_H.T @ np.linalg.inv(S)
        self.x = self.x + K @ (z - REF_H @ self.x)
        self.P = (np.eye(7) - K @ REF_H) @ self.P


class RefTrack:

    def __init__(self, box, track_id, det_ind):
        self.kf = RefKalman(ref_box_to_z(box))
        self.id = track_id
        self.det_ind = det_ind
        self.time_since_update = 0
        self.hits = 0
        self.hit_streak = 0

    def predict(self):
        self.kf.predict()
        if self.time_since_update > 0:
            self.hit_streak = 0
        self.time_since_update += 1
        return ref_x_to_box(self.kf.x)

    def update(self, box, det_ind):
        self.time_since_update = 0
        self.hits += 1
        self.hit_streak += 1
        self.det_ind = det_ind
        self.kf.update(ref_box_to_z(box))


class RefSort:
    """The original SORT update loop, one Python object per track."""

    def __init__(self, max_age, min_hits, iou_threshold):
        self.max_age = max_age
        self.min_hits = min_hits
        self.iou_threshold = iou_threshold
        self.tracks = []
        self.frame_count = 0
        self.count = 0

    def update(self, dets):
        self.frame_count += 1
        preds = [trk.predict() for trk in self.tracks]
        iou = np.array([[ref_iou(d, p) for p in preds] for d in dets])
        iou = iou.reshape(len(dets), len(preds))
        matches = []
        if iou.size:
            above = iou > self.iou_threshold
            # the scenes are built so that admissible pairs are one-to-one
            assert above.sum(0).max() <= 1 and above.sum(1).max() <= 1
            rows, cols = linear_sum_assignment(-iou)
            matches = [(r, c) for r, c in zip(rows, cols)
                       if iou[r, c] >= self.iou_threshold]
            assert sorted(matches) == sorted(zip(*np.nonzero(above)))
        matched_dets = {r for r, _ in matches}
        for r, c in matches:
            self.tracks[c].update(dets[r], r)
        for i in range(len(dets)):
            if i not in matched_dets:
                self.tracks.append(RefTrack(dets[i], self.count, i))
                self.count += 1
        out = []
        for trk in self.tracks:
            if trk.time_since_update < 1 and (
                    trk.hit_streak >= self.min_hits
                    or self.frame_count <= self.min_hits):
                out.append((trk.id, trk.det_ind, ref_x_to_box(trk.kf.x)))
        self.tracks = [
            t for t in self.tracks if t.time_since_update <= self.max_age
        ]
        return sorted(out, key=lambda o: o[0])


# --------------------------------------------------------------------------
# Scene helpers
# --------------------------------------------------------------------------


def box_at(x, y, w=40.0, h=80.0):
    return [x, y, x + w, y + h]


def run(tracker, frames, labels=None):
    """Track a list of (N, 4) frames; return the output dicts."""
    outs = []
    for t, boxes in enumerate(frames):
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        lab = None if labels is None else np.asarray(labels[t])
        outs.append(
            tracker.track(boxes, np.ones(len(boxes)), lab, frame_id=t))
    return outs


def id_of(out, det_ind):
    """Id output for the detection ``det_ind`` (None when not output)."""
    hit = np.flatnonzero(out['det_inds'] == det_ind)
    return None if hit.size == 0 else int(out['ids'][hit[0]])


def random_scene(rng, num_frames=30, num_objs=6):
    """Objects in separate grid cells with misses, births, deaths and false
    positives; returns a list of (N, 4) arrays."""
    objs = []
    for k in range(num_objs):
        origin = np.array([50.0 + 150 * (k % 3), 50.0 + 150 * (k // 3)])
        size = rng.uniform(20, 40, size=2)
        vel = rng.uniform(-1.5, 1.5, size=2)
        start = int(rng.integers(0, 10))
        end = int(rng.integers(15, num_frames + 1))
        objs.append((origin, size, vel, start, end))
    frames = []
    for t in range(num_frames):
        dets = []
        for origin, size, vel, start, end in objs:
            if start <= t < end and rng.random() > 0.15:
                xy = origin + vel * (t - start)
                box = np.concatenate([xy, xy + size])
                dets.append(box + rng.uniform(-1, 1, size=4))
        if rng.random() < 0.3:
            xy = rng.uniform([600, 0], [900, 300])
            dets.append(np.concatenate([xy, xy + rng.uniform(20, 30, 2)]))
        dets = np.array(dets).reshape(-1, 4)
        frames.append(dets[rng.permutation(len(dets))])
    return frames


# --------------------------------------------------------------------------
# Kalman filter
# --------------------------------------------------------------------------


def test_box_conversions_round_trip():
    boxes = np.array([[0.0, 0.0, 10.0, 20.0], [5.0, 7.0, 9.0, 8.0]])
    xysr = bbox_xyxy_to_xysr(boxes)
    np.testing.assert_allclose(xysr, [[5, 10, 200, 0.5], [7, 7.5, 4, 4]])
    np.testing.assert_allclose(bbox_xysr_to_xyxy(xysr), boxes)
    # a non-positive area gives NaN, which the tracker uses to drop tracks
    assert np.isnan(bbox_xysr_to_xyxy([[0.0, 0.0, -1.0, 1.0]])).all()
    with pytest.raises(ValueError, match='positive width'):
        bbox_xyxy_to_xysr([[0.0, 0.0, 0.0, 5.0]])


def test_kalman_hand_computed_first_step():
    kf = BoxKalmanFilter()
    mean, cov = kf.initiate([[5.0, 10.0, 200.0, 0.5]])
    np.testing.assert_allclose(np.diag(cov[0]), [10] * 4 + [1e4] * 3)
    mean, cov = kf.predict(mean, cov)
    np.testing.assert_allclose(mean[0], [5, 10, 200, 0.5, 0, 0, 0])
    # P' = F P F^T + Q: position 10 + 1e4 + 1, velocity 1e4 + q
    np.testing.assert_allclose(
        np.diag(cov[0]),
        [10011, 10011, 10011, 11, 10000.01, 10000.01, 10000.0001])
    assert cov[0, 0, 4] == pytest.approx(1e4)
    assert cov[0, 3, 6] == 0
    mean, cov = kf.update(mean, cov, [[6.0, 10.0, 200.0, 0.5]])
    # 1-d gains: K_cx = 10011 / (10011 + 1), K_vcx = 1e4 / 10012
    assert mean[0, 0] == pytest.approx(5 + 10011 / 10012, rel=1e-12)
    assert mean[0, 4] == pytest.approx(1e4 / 10012, rel=1e-12)
    np.testing.assert_allclose(mean[0, [1, 2, 3, 5, 6]], [10, 200, .5, 0, 0])
    assert cov[0, 0, 0] == pytest.approx(10011 / 10012, rel=1e-9)
    assert cov[0, 4, 4] == pytest.approx(10000.01 - 1e8 / 10012, rel=1e-9)


def test_kalman_matches_dense_reference_with_area_clamp():
    kf = BoxKalmanFilter()
    boxes = [[0, 0, 20, 20], [1, 1, 21, 21], [2, 2, 4, 4], [3, 3, 5, 5],
             [4, 3, 6, 6]]
    ref = RefKalman(ref_box_to_z(boxes[0]))
    mean, cov = kf.initiate(bbox_xyxy_to_xysr([boxes[0]]))
    for box in boxes[1:]:
        ref.predict()
        mean, cov = kf.predict(mean, cov)
        np.testing.assert_allclose(mean[0], ref.x, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(cov[0], ref.P, rtol=1e-9, atol=1e-7)
        ref.update(ref_box_to_z(box))
        mean, cov = kf.update(mean, cov, bbox_xyxy_to_xysr([box]))
        np.testing.assert_allclose(mean[0], ref.x, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(cov[0], ref.P, rtol=1e-9, atol=1e-7)
    # the area shrank from 400 to 4: the area velocity had to be clamped
    assert ref.clamped


def test_batched_update_equals_sequential():
    rng = np.random.default_rng(0)
    kf = BoxKalmanFilter()
    num = 5
    # a different state and covariance (random SPD) for every track
    mean = np.column_stack([
        rng.uniform(0, 100, (num, 2)),
        rng.uniform(100, 1000, num),
        rng.uniform(0.3, 3, num),
        rng.normal(0, 5, (num, 3))
    ])
    root = rng.normal(size=(num, 7, 7))
    cov = root @ root.transpose(0, 2, 1) + np.eye(7)
    meas = mean[:, :4] + rng.normal(0, 3, (num, 4))
    b_mean, b_cov = kf.update(mean, cov, meas)
    p_mean, p_cov = kf.predict(mean, cov)
    for i in range(num):
        s_mean, s_cov = kf.update(mean[i:i + 1], cov[i:i + 1],
                                  meas[i:i + 1])
        np.testing.assert_allclose(b_mean[i], s_mean[0], rtol=1e-12)
        np.testing.assert_allclose(b_cov[i], s_cov[0], rtol=1e-12,
                                   atol=1e-12)
        ref = RefKalman(mean[i, :4])
        ref.x, ref.P = mean[i].copy(), cov[i].copy()
        ref.update(meas[i])
        np.testing.assert_allclose(b_mean[i], ref.x, rtol=1e-9)
        np.testing.assert_allclose(b_cov[i], ref.P, rtol=1e-8, atol=1e-9)
        s_mean, s_cov = kf.predict(mean[i:i + 1], cov[i:i + 1])
        np.testing.assert_allclose(p_mean[i], s_mean[0], rtol=1e-12)
        np.testing.assert_allclose(p_cov[i], s_cov[0], rtol=1e-12)
    # the covariances stay symmetric positive definite
    np.testing.assert_allclose(b_cov, b_cov.transpose(0, 2, 1), atol=1e-9)
    assert np.all(np.linalg.eigvalsh(b_cov) > 0)


def test_kalman_bad_input():
    kf = BoxKalmanFilter()
    mean, cov = kf.initiate([[1.0, 1.0, 4.0, 1.0]])
    with pytest.raises(ValueError, match='measurements must have shape'):
        kf.update(mean, cov, [[1.0, 1.0, 4.0]])
    with pytest.raises(ValueError, match='2 measurements for 1 tracks'):
        kf.update(mean, cov, np.ones((2, 4)))
    with pytest.raises(ValueError, match='finite'):
        kf.update(mean, cov, [[1.0, np.nan, 4.0, 1.0]])
    with pytest.raises(ValueError, match='cov must have shape'):
        kf.predict(mean, cov[:, :4, :4])


# --------------------------------------------------------------------------
# IoU and matching
# --------------------------------------------------------------------------


def test_iou_and_matching_hand_cases():
    iou = bbox_iou_matrix([[0, 0, 10, 10]], [[5, 0, 15, 10], [20, 20, 30, 30]])
    np.testing.assert_allclose(iou, [[1 / 3, 0]])
    assert bbox_iou_matrix(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)

    # maximum total IoU is not greedy: (0, 1) + (1, 0) beats (0, 0)
    rows, cols = match_by_iou(
        np.array([[0.9, 0.8, 0.0], [0.85, 0.0, 0.0], [0.0, 0.0, 0.2]]), 0.3)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]

    # Hungarian on the raw IoU would take the two crossed pairs (0.58) and
    # then drop both; gating first keeps the one admissible pair
    iou = np.array([[0.35, 0.29], [0.29, 0.0]])
    raw_rows, raw_cols = linear_sum_assignment(iou, maximize=True)
    assert raw_rows.tolist() == [0, 1] and raw_cols.tolist() == [1, 0]
    rows, cols = match_by_iou(iou, 0.3)
    assert rows.tolist() == [0] and cols.tolist() == [0]
    # the best full assignment uses the inadmissible pair (1, 1): dropped
    rows, cols = match_by_iou(np.array([[0.9, 0.35], [0.4, 0.1]]), 0.3)
    assert rows.tolist() == [0] and cols.tolist() == [0]
    rows, cols = match_by_iou(np.zeros((3, 0)), 0.3)
    assert rows.size == 0 and cols.size == 0


# --------------------------------------------------------------------------
# Tracker on hand-made scenes
# --------------------------------------------------------------------------


def test_constant_velocity_objects_keep_ids():
    rng = np.random.default_rng(1)
    starts = np.array([[0.0, 0.0], [200.0, 50.0], [100.0, 300.0]])
    vels = np.array([[6.0, 0.0], [-4.0, 3.0], [2.0, -5.0]])
    tracker = SORTTracker()
    seen = {}
    for t in range(25):
        order = rng.permutation(3)
        boxes = np.array([box_at(*(starts[k] + vels[k] * t)) for k in order])
        out = tracker.track(boxes, np.ones(3), frame_id=t)
        assert len(out['ids']) == 3
        for row, k in enumerate(order):
            seen.setdefault(k, set()).add(id_of(out, row))
        if t > 3:
            # the filter has locked on: its boxes are the detections
            np.testing.assert_allclose(out['bboxes'],
                                       boxes[out['det_inds']], atol=0.5)
    assert [seen[k] for k in range(3)] == [{0}, {1}, {2}]


def test_crossing_objects_keep_ids():
    # A moves right, B moves left, 15 px per frame, 20 px apart vertically
    def boxes(t):
        return np.array([box_at(15.0 * t, 0.0), box_at(285.0 - 15 * t, 20.0)])

    # without motion the crossing is ambiguous: at t=10 A's box overlaps B's
    # previous box more than its own previous box
    a10, b9, a9 = boxes(10)[0], boxes(9)[1], boxes(9)[0]
    assert ref_iou(a10, b9) > ref_iou(a10, a9) > 0.3
    tracker = SORTTracker(min_hits=1)
    ids = []
    for t in range(20):
        out = tracker.track(boxes(t)[::-1], np.ones(2), frame_id=t)
        ids.append((id_of(out, 1), id_of(out, 0)))  # (A, B)
    # B is the first detection of frame 0, so it gets id 0
    assert ids == [(1, 0)] * 20


@pytest.mark.parametrize('max_age,gap,same_id', [(1, 1, True), (1, 2, False),
                                                 (3, 3, True),
                                                 (3, 4, False)])
def test_missed_detections_and_max_age(max_age, gap, same_id):
    tracker = SORTTracker(max_age=max_age, min_hits=0)
    first_missing = 6
    got = {}
    for t in range(first_missing + gap + 2):
        if first_missing <= t < first_missing + gap:
            boxes = np.zeros((0, 4))
        else:
            boxes = np.array([box_at(5.0 * t, 10.0)])
        out = tracker.track(boxes, np.ones(len(boxes)), frame_id=t)
        got[t] = out['ids'].tolist()
    back = first_missing + gap
    for t in range(first_missing):
        assert got[t] == [0]
    for t in range(first_missing, back):
        assert got[t] == []
    assert got[back] == ([0] if same_id else [1])
    assert got[back + 1] == got[back]
    assert tracker.num_tracks == 1


def test_empty_frame_output_and_track_survival():
    tracker = SORTTracker(min_hits=0)
    tracker.track(np.array([[0.0, 0.0, 10.0, 10.0]]), np.ones(1), frame_id=0)
    out = tracker.track(np.zeros((0, 4)), np.zeros(0), frame_id=1)
    assert out['bboxes'].shape == (0, 4)
    for key in ('scores', 'labels', 'ids', 'det_inds'):
        assert out[key].shape == (0, )
    assert out['ids'].dtype == np.int64
    assert tracker.num_tracks == 1
    assert tracker.time_since_update.tolist() == [1]
    out = tracker.track(np.zeros((0, 4)), np.zeros(0), frame_id=2)
    assert tracker.num_tracks == 0
    # an empty first frame is fine too
    tracker.reset()
    out = tracker.track(np.zeros((0, 4)), np.zeros(0), frame_id=0)
    assert out['bboxes'].shape == (0, 4) and tracker.num_tracks == 0


def test_min_hits_delays_output():
    a = [box_at(3.0 * t, 0.0) for t in range(12)]
    b = [box_at(300.0, 2.0 * t) for t in range(12)]

    def frames_output(**kwargs):
        tracker = SORTTracker(min_hits=3, **kwargs)
        shown = {'a': [], 'b': []}
        for t in range(12):
            boxes = [a[t]] + ([b[t]] if t >= 5 else [])
            out = tracker.track(np.array(boxes), np.ones(len(boxes)),
                                frame_id=t)
            for name, row in (('a', 0), ('b', 1)):
                if id_of(out, row) is not None:
                    shown[name].append(t)
        return shown

    shown = frames_output()
    # A: first 3 frames of the sequence, then confirmed at its 3rd match
    assert shown['a'] == list(range(12))
    # B born at frame 5, matched at 6, 7, 8: hit streak 3 at frame 8
    assert shown['b'] == [8, 9, 10, 11]
    shown = frames_output(output_first_frames=False)
    assert shown['a'] == list(range(3, 12))
    assert shown['b'] == [8, 9, 10, 11]


def test_miss_resets_hit_streak_but_keeps_id():
    tracker = SORTTracker(min_hits=3, max_age=1)
    shown = []
    for t in range(12):
        boxes = np.zeros((0, 4)) if t == 6 else np.array([box_at(t, 0.0)])
        out = tracker.track(boxes, np.ones(len(boxes)), frame_id=t)
        shown.append(out['ids'].tolist())
    assert shown[:6] == [[0]] * 6
    assert shown[6:9] == [[], [], []]  # missed, then hit streak 1, 2
    assert shown[9:] == [[0]] * 3
    # born at 0, matched at 1-5 and 7-11; 11 predictions
    assert tracker.hits.tolist() == [10]
    assert tracker.hit_streaks.tolist() == [5]
    assert tracker.ages.tolist() == [11]


def test_score_threshold():
    tracker = SORTTracker(score_thr=0.5, min_hits=0)
    low, high = box_at(0.0, 0.0), box_at(200.0, 0.0)
    out = tracker.track(np.array([low, high]), np.array([0.3, 0.9]),
                        frame_id=0)
    assert out['det_inds'].tolist() == [1]
    np.testing.assert_allclose(out['scores'], [0.9])
    assert tracker.num_tracks == 1
    # a score equal to the threshold is kept
    out = tracker.track(np.array([low, high]), np.array([0.5, 0.2]),
                        frame_id=1)
    assert out['det_inds'].tolist() == [0] and out['ids'].tolist() == [1]
    # the track of `high` lost its detection twice (max_age 1): new id
    tracker.track(np.array([high]), np.array([0.4]), frame_id=2)
    out = tracker.track(np.array([high]), np.array([0.9]), frame_id=3)
    assert out['ids'].tolist() == [2]


def test_class_aware_association():
    x, y = [0.0, 0.0, 10.0, 10.0], [2.0, 0.0, 12.0, 10.0]
    frames = [[x, y], [y, x]]  # the two objects swap places
    labels = [[0, 1], [0, 1]]
    agnostic = run(SORTTracker(min_hits=0), frames, labels)
    aware = run(SORTTracker(min_hits=0, with_cats=True), frames, labels)
    # class-agnostic: each box keeps the id of the box that was there
    assert [id_of(agnostic[1], 0), id_of(agnostic[1], 1)] == [1, 0]
    np.testing.assert_array_equal(agnostic[1]['labels'], [1, 0])
    # class-aware: the label-0 object keeps id 0 (IoU 8 / 12 with x)
    assert [id_of(aware[1], 0), id_of(aware[1], 1)] == [0, 1]
    np.testing.assert_array_equal(aware[1]['labels'], [0, 1])
    # a detection of another class at the same place starts a new track
    tracker = SORTTracker(min_hits=0, with_cats=True)
    run(tracker, [[x]], [[0]])
    out = tracker.track(np.array([x]), np.ones(1), np.array([3]), frame_id=1)
    assert out['ids'].tolist() == [1] and out['labels'].tolist() == [3]


def test_tracker_kalman_numbers_and_output_modes():
    boxes = [[0, 0, 10, 20], [1, 0, 11, 20], [2.5, 0.5, 12, 21],
             [3, 1, 13.5, 21]]
    outs = {}
    for mode in ('kalman', 'detection'):
        tracker = SORTTracker(min_hits=0, output=mode)
        outs[mode] = run(tracker, boxes)
    # hand-computed second frame: cx = 5 + 10011 / 10012, w = 10, h = 20
    x1 = 10011 / 10012
    np.testing.assert_allclose(outs['kalman'][1]['bboxes'],
                               [[x1, 0, x1 + 10, 20]], rtol=1e-12)
    ref = RefKalman(ref_box_to_z(boxes[0]))
    for t, box in enumerate(boxes):
        if t:
            ref.predict()
            ref.update(ref_box_to_z(box))
        np.testing.assert_allclose(outs['kalman'][t]['bboxes'][0],
                                   ref_x_to_box(ref.x), rtol=1e-9)
        np.testing.assert_allclose(outs['detection'][t]['bboxes'][0], box)
        assert outs['kalman'][t]['ids'].tolist() == [0]
    np.testing.assert_allclose(tracker.means[0], ref.x, rtol=1e-9)
    np.testing.assert_allclose(tracker.covariances[0], ref.P, rtol=1e-9,
                               atol=1e-9)


@pytest.mark.parametrize('seed,max_age,min_hits', [(0, 1, 3), (1, 3, 1),
                                                   (2, 2, 0)])
def test_equivalent_to_per_track_reference(seed, max_age, min_hits):
    frames = random_scene(np.random.default_rng(seed))
    tracker = SORTTracker(max_age=max_age, min_hits=min_hits)
    ref = RefSort(max_age, min_hits, 0.3)
    num_out = 0
    for t, dets in enumerate(frames):
        out = tracker.track(dets, np.ones(len(dets)), frame_id=t)
        expected = ref.update(dets)
        assert out['ids'].tolist() == [e[0] for e in expected]
        assert out['det_inds'].tolist() == [e[1] for e in expected]
        if expected:
            np.testing.assert_allclose(out['bboxes'],
                                       np.stack([e[2] for e in expected]),
                                       rtol=1e-9, atol=1e-8)
        assert tracker.num_tracks == len(ref.tracks)
        num_out += len(expected)
    assert num_out > 50 and ref.count > 6


def test_frame_ids_reset_and_gaps():
    tracker = SORTTracker(min_hits=0, max_age=1)
    run(tracker, [[box_at(0.0, 0.0)], [box_at(4.0, 0.0)]])
    mean, cov = tracker.means.copy(), tracker.covariances.copy()
    # frames 2 and 3 were skipped: three prediction steps, one missed frame
    tracker.track(np.zeros((0, 4)), np.zeros(0), frame_id=4)
    for _ in range(3):
        mean, cov = tracker.kf.predict(mean, cov)
    np.testing.assert_allclose(tracker.means, mean)
    np.testing.assert_allclose(tracker.covariances, cov)
    assert tracker.time_since_update.tolist() == [1]
    with pytest.raises(ValueError, match='must increase'):
        tracker.track(np.zeros((0, 4)), np.zeros(0), frame_id=4)
    # frame 0 starts a new sequence: ids from 0 again
    out = tracker.track(np.array([box_at(500.0, 0.0)]), np.ones(1),
                        frame_id=0)
    assert out['ids'].tolist() == [0] and tracker.num_tracks == 1
    # frame_id None means the next frame
    out = tracker.track(np.array([box_at(501.0, 0.0)]), np.ones(1))
    assert tracker.last_frame_id == 1 and out['ids'].tolist() == [0]


def test_tensor_input_gives_tensor_output():
    frames = random_scene(np.random.default_rng(3))[:12]
    t_np, t_pt = SORTTracker(min_hits=1), SORTTracker(min_hits=1)
    for t, dets in enumerate(frames):
        labels = np.arange(len(dets)) % 2
        o_np = t_np.track(dets, np.full(len(dets), 0.5), labels, t)
        o_pt = t_pt.track(
            torch.from_numpy(dets).float(), torch.full((len(dets), ), 0.5),
            torch.from_numpy(labels), t)
        assert o_pt['bboxes'].dtype == torch.float32
        assert o_pt['ids'].dtype == torch.int64
        assert o_pt['det_inds'].dtype == torch.int64
        for key in ('ids', 'det_inds', 'labels'):
            np.testing.assert_array_equal(o_pt[key].numpy(), o_np[key])
        np.testing.assert_allclose(o_pt['bboxes'].numpy(), o_np['bboxes'],
                                   atol=1e-3)


@pytest.mark.parametrize('bboxes,scores,labels,match', [
    (np.zeros((2, 5)), np.ones(2), None, r'shape \(N, 4\)'),
    (np.array([[0, 0, np.nan, 1.0]]), np.ones(1), None, 'NaN'),
    (np.array([[5.0, 0, 1, 1]]), np.ones(1), None, 'x2 >= x1'),
    (np.array([[0, 0, 1.0, 1]]), np.ones(2), None, r'scores must have'),
    (np.array([[0, 0, 1.0, 1]]), np.array([np.nan]), None, 'NaN'),
    (np.array([[0, 0, 1.0, 1]]), np.ones(1), np.array([0.5]), 'integers'),
    (np.array([[0, 0, 1.0, 1]]), np.ones(1), np.zeros(2, int), 'labels'),
])
def test_bad_input_raises(bboxes, scores, labels, match):
    tracker = SORTTracker()
    with pytest.raises(ValueError, match=match):
        tracker.track(bboxes, scores, labels, frame_id=0)
    # bad input leaves the state untouched
    assert tracker.last_frame_id is None and tracker.num_frames == 0


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='output'):
        SORTTracker(output='state')
    with pytest.raises(ValueError, match='iou_threshold'):
        SORTTracker(iou_threshold=1.5)
    with pytest.raises(ValueError, match='max_age'):
        SORTTracker(max_age=-1)
    with pytest.raises(ValueError, match='frame_id'):
        SORTTracker().track(np.zeros((0, 4)), np.zeros(0), frame_id=-1)


def test_degenerate_boxes_are_ignored():
    tracker = SORTTracker(min_hits=0)
    out = tracker.track(
        np.array([[0, 0, 0, 10.0], [0, 0, 10, 10]]), np.ones(2), frame_id=0)
    assert out['det_inds'].tolist() == [1] and tracker.num_tracks == 1


def test_registry_builds_ours_and_mmdet():
    from mmdet.models.trackers import SORTTracker as MMDetSORTTracker

    from qdtrack.registry import MODELS
    ours = MODELS.build(dict(type='SORTTracker', iou_threshold=0.5))
    assert type(ours) is SORTTracker and ours.iou_threshold == 0.5
    theirs = MODELS.build(dict(type='mmdet.SORTTracker'))
    assert type(theirs) is MMDetSORTTracker
