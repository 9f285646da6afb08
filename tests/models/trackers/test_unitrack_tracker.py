"""Tests of UniTrack's association on hand-made streams."""
import numpy as np
import pytest
import torch
from mmdet.models.task_modules.tracking import KalmanFilter
from mmdet.structures.bbox import bbox_xyxy_to_cxcyah

from qdtrack.models.trackers import UniTrackTracker
from qdtrack.models.trackers.matching import min_cost_assignment
from qdtrack.models.trackers.point_similarity import (
    global_feature_similarity,
)

CHANS, GRID = 8, (4, 10)


def features(seed=0):
    """Point features (4, C, 4, 10) of 4 objects; object k lives in
    channels 2k and 2k + 1, so different objects are orthogonal (cost 1 for
    every metric)."""
    gen = torch.Generator().manual_seed(seed)
    feats = torch.zeros(4, CHANS, *GRID)
    for k in range(4):
        feats[k, 2 * k] = 1 + 0.3 * torch.randn(*GRID, generator=gen)
        feats[k, 2 * k + 1] = 0.3 * torch.randn(*GRID, generator=gen)
    return feats


FEATS = features()


def frame(tracker, boxes, objs, scores=None, frame_id=None):
    """Track one frame; ``objs`` picks each box's appearance."""
    boxes = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
    num = len(boxes)
    scores = torch.full((num, ), 0.9) if scores is None else torch.tensor(
        scores, dtype=torch.float32)
    feats = FEATS[list(objs)] if num else FEATS[:0]
    return tracker.track(boxes, scores, torch.zeros(num, dtype=torch.long),
                         feats, frame_id)


def box(x, y, w=20, h=50):
    return [x, y, x + w, y + h]


def id_of(out, det):
    """Id given to input detection ``det`` (-1 if not output)."""
    hit = np.flatnonzero(out['det_inds'] == det)
    return int(out['ids'][hit[0]]) if hit.size else -1


def test_min_cost_assignment_follows_lapjv_rule():
    # leaving a row and a column unmatched costs the limit: 0.3 + 0.2
    # beats 0.1 alone
    rows, cols = min_cost_assignment(np.array([[0.1, 0.3], [0.2, 0.9]]),
                                     0.7)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    # pairs at or above the limit, inf and NaN are never matched
    cost = np.array([[0.7, np.inf], [np.nan, 0.69]])
    rows, cols = min_cost_assignment(cost, 0.7)
    assert rows.tolist() == [1] and cols.tolist() == [1]
    rows, cols = min_cost_assignment(np.zeros((0, 3)), 0.7)
    assert rows.size == cols.size == 0
    with pytest.raises(ValueError, match='2-d'):
        min_cost_assignment(np.zeros(3), 0.7)


@pytest.mark.parametrize('metric', ['rsm', 'global', 'center'])
def test_two_moving_objects_keep_their_ids(metric):
    tracker = UniTrackTracker(metric=metric)
    for t in range(8):
        # detection order alternates: ids must follow the objects
        boxes = [box(10 + 3 * t, 20), box(150 - 3 * t, 40 + t)]
        objs = [0, 1]
        if t % 2:
            boxes, objs = boxes[::-1], objs[::-1]
        out = frame(tracker, boxes, objs)
        assert sorted(out['ids'].tolist()) == [0, 1]  # output from frame 1
        for det, obj in enumerate(objs):
            assert id_of(out, det) == obj
        # output boxes are the corrected Kalman states, near the detections
        np.testing.assert_allclose(
            out['bboxes'], np.array(boxes)[out['det_inds']], atol=3.0)


def test_new_track_waits_for_a_second_match():
    tracker = UniTrackTracker()
    frame(tracker, [box(10, 20)], [0])
    out = frame(tracker, [box(12, 20), box(100, 30)], [0, 1])
    assert out['ids'].tolist() == [0]  # the newcomer is unconfirmed
    assert tracker.num_tracks == 2
    out = frame(tracker, [box(14, 20), box(101, 30)], [0, 1])
    assert out['ids'].tolist() == [0, 1] and id_of(out, 1) == 1
    # an unconfirmed track missed once is deleted: its object comes back
    # under a new id
    frame(tracker, [box(16, 20), box(101, 31), box(200, 10)], [0, 1, 2])
    frame(tracker, [box(18, 20), box(101, 31)], [0, 1])
    assert tracker.num_tracks == 2
    frame(tracker, [box(20, 20), box(101, 31), box(200, 10)], [0, 1, 2])
    out = frame(tracker, [box(22, 20), box(101, 31), box(200, 10)],
                [0, 1, 2])
    assert id_of(out, 2) == 3


@pytest.mark.parametrize('gap,same_id', [(5, True), (6, False)])
def test_lost_tracks_are_kept_one_second(gap, same_id):
    tracker = UniTrackTracker(frame_rate=5)  # 1 s = 5 frames
    assert tracker.max_time_lost == 5
    for _ in range(3):
        frame(tracker, [box(50, 50)], [0])
    for _ in range(gap):
        out = frame(tracker, [], [])
        assert out['ids'].size == 0
    out = frame(tracker, [box(50, 50)], [0])
    if same_id:
        assert out['ids'].tolist() == [0]  # found again, output at once
    else:
        assert out['ids'].size == 0  # a new, unconfirmed track
        out = frame(tracker, [box(50, 50)], [0])
        assert out['ids'].tolist() == [1]


def test_appearance_decides_without_motion_position_with_it():
    # two still objects swap places in one frame
    def run(**kwargs):
        tracker = UniTrackTracker(**kwargs)
        for _ in range(3):
            frame(tracker, [box(10, 10), box(200, 10)], [0, 1])
        return frame(tracker, [box(10, 10), box(200, 10)], [1, 0])

    out = run(motion_weight=0.0, motion_gate=False)
    assert id_of(out, 0) == 1 and id_of(out, 1) == 0  # by appearance
    # with motion the Mahalanobis gate forbids the jump: the IoU stage
    # keeps positions
    out = run()
    assert id_of(out, 0) == 0 and id_of(out, 1) == 1


def test_first_stage_cost_is_weighted_and_gated():
    tracker = UniTrackTracker(metric='global')
    boxes = np.array([box(10, 10), box(100, 10)], dtype=np.float64)
    frame(tracker, boxes.tolist(), [0, 1])
    frame(tracker, (boxes + 2).tolist(), [0, 1])
    pool = np.arange(2)
    tracker._predict(pool)
    dets = np.array([box(14, 10), box(60, 10), box(104, 11)],
                    dtype=np.float64)
    feats = FEATS[[0, 2, 1]]
    cost = tracker._appearance_motion_cost(pool, dets, np.zeros(3, int),
                                           feats)
    # independent computation with mmdet's filter on the same state
    kf = KalmanFilter()
    xyah = bbox_xyxy_to_cxcyah(torch.from_numpy(dets)).numpy()
    maha = np.stack([
        kf.gating_distance(tracker.means[i], tracker.covs[i], xyah)
        for i in pool
    ])
    app = 1 - global_feature_similarity(feats, tracker.feats).t().numpy()
    expected = 0.98 * app + 0.02 * maha
    expected[maha > 9.4877] = np.inf
    np.testing.assert_allclose(cost, expected, rtol=1e-6)
    assert np.isinf(cost[0, 1]) and np.isfinite(cost[0, 0])
    assert np.isfinite(cost[1, 2])


def test_scores_thresholds_reset_and_checks():
    tracker = UniTrackTracker()
    out = frame(tracker, [box(10, 10), box(100, 10)], [0, 1],
                scores=[0.5, 0.51])
    assert out['ids'].tolist() == [0] and out['det_inds'].tolist() == [1]
    out = frame(tracker, [box(100, 10)], [1], frame_id=5)
    assert out['ids'].tolist() == [0]
    with pytest.raises(ValueError, match='increase'):
        frame(tracker, [box(100, 10)], [1], frame_id=5)
    out = frame(tracker, [box(30, 10)], [2], frame_id=0)  # new sequence
    assert out['ids'].tolist() == [0] and tracker.num_tracks == 1
    with pytest.raises(ValueError, match='feats'):
        tracker.track(torch.zeros(2, 4), torch.ones(2),
                      torch.zeros(2, dtype=torch.long), FEATS[:1])
    with pytest.raises(ValueError, match='metric'):
        UniTrackTracker(metric='cosine')


def test_lost_duplicate_of_a_tracked_track_is_removed():
    tracker = UniTrackTracker(motion_weight=0.0, motion_gate=False)
    for _ in range(4):
        frame(tracker, [box(10, 10)], [0])
    # object 0 vanishes; a different-looking object appears where it was
    # and is confirmed: the older lost track survives, the younger tracked
    # one... unless the lost one is younger
    frame(tracker, [], [])
    # a different-looking object appears where object 0 was: appearance
    # cost 1 (no match) and the IoU stage never takes a lost track, so a
    # new track starts; it fully overlaps lost track 0, which lived longer
    # (3 frames from start to last match, against 0): the new one is
    # removed as the duplicate, in every frame
    for _ in range(2):
        out = frame(tracker, [box(10, 10)], [3])
        assert out['ids'].size == 0
        assert tracker.ids.tolist() == [0]
    # a tie in age also removes the tracked one (a newborn track never
    # survives on top of a lost one); one overlapping less (IoU 3/7) does
    tracker.reset()
    frame(tracker, [box(10, 10)], [0])
    frame(tracker, [], [])
    frame(tracker, [box(10, 10)], [3])
    assert tracker.ids.tolist() == [0]
    frame(tracker, [box(10, 30)], [3])
    assert tracker.ids.tolist() == [0, 2]
