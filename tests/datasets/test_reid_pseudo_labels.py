"""SimpleReID pseudo-label pieces on hand-made streams with known answers."""
import numpy as np
import pytest

from qdtrack.datasets.reid_pseudo_labels import (
    box_filter,
    length_filter,
    link_tracklets,
    match_to_gt,
    summarise_quality,
    tracklet_quality,
)
from qdtrack.models.trackers import SORTTracker

A = np.array([10., 10., 30., 60.])
B = np.array([100., 20., 120., 70.])


def _stream(num_frames, missing_a=()):
    for f in range(num_frames):
        boxes = [B + [2 * f, 0, 2 * f, 0]]
        if f not in missing_a:
            boxes.insert(0, A + [f, 0, f, 0])
        yield f, np.array(boxes), np.full(len(boxes), 0.9)


def test_link_tracklets_two_objects():
    out = link_tracklets(_stream(6))
    assert out['frame_index'].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out['tracklet'].tolist() == [0, 1] * 6
    assert out['det_index'].tolist() == [0, 1] * 6
    np.testing.assert_allclose(out['bboxes'][10], A + [5, 0, 5, 0])


def test_link_tracklets_miss_resets_hit_streak():
    # A is missed in frame 3: SORT (max_age 1) keeps the track, but it is
    # output again only once it has 3 consecutive hits (frame 6).
    out = link_tracklets(_stream(8, missing_a={3}),
                         SORTTracker(max_age=1, min_hits=3))
    a_frames = out['frame_index'][out['tracklet'] == 0].tolist()
    assert a_frames == [0, 1, 2, 6, 7]
    b_frames = out['frame_index'][out['tracklet'] == 1].tolist()
    assert b_frames == list(range(8))


def test_link_tracklets_video_starting_later():
    frames = [(f + 10, b, s) for f, b, s in _stream(4)]
    out = link_tracklets(frames)
    assert out['frame_index'].tolist()[:2] == [10, 10]
    assert len(out['tracklet']) == 8


def test_box_filter():
    boxes = np.array([[10, 10, 30, 60],    # fine
                      [0, 10, 20, 60],     # touches the left border
                      [10, 10, 30, 20],    # 10 px high
                      [50, 50, 52, 90],    # 2 px wide
                      [10, 10, 30, 60],    # low score
                      [280, 10, 319.5, 60]])  # within 1 px of the right
    scores = np.array([0.9, 0.9, 0.9, 0.9, 0.1, 0.9])
    keep = box_filter(boxes, scores, (320, 240), min_score=0.5,
                      min_height=16, min_width=4, border_margin=1)
    assert keep.tolist() == [True, False, False, False, False, False]
    keep = box_filter(boxes, scores, (320, 240))
    assert keep.all()


def test_length_filter():
    keep = length_filter(np.array([3, 3, 5, 3, 7, 7]), 2)
    assert keep.tolist() == [True, True, False, True, True, True]
    assert length_filter(np.zeros(0, np.int64), 3).shape == (0, )


def test_match_to_gt_one_to_one():
    frames = np.array([1, 1, 2])
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10]])
    gt_frames = np.array([1, 2])
    gt_boxes = np.array([[0, 0, 10, 10], [50, 50, 60, 60]])
    ids = match_to_gt(frames, boxes, gt_frames, gt_boxes, np.array([4, 9]))
    assert ids.tolist() == [4, -1, -1]


def test_quality_hand_computed():
    tracklets = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    box_ids = np.array([1, 1, 2, 2, 2, -1, -1, 1])
    counts = tracklet_quality(tracklets, box_ids, num_gt_boxes=10,
                              num_gt_ids=3)
    assert counts == dict(boxes=8, majority_boxes=4, tracklets=3,
                          pure_tracklets=1, matched_boxes=6, gt_boxes=10,
                          gt_ids=3, ids_seen=2, splits=4)
    q = summarise_quality([counts, counts])
    assert q['purity'] == 0.5
    assert q['pure_tracklets'] == pytest.approx(0.3333, abs=1e-4)
    assert q['tracklets_per_id'] == 2.0
    assert q['box_coverage'] == 0.6
    assert q['id_coverage'] == pytest.approx(0.6667, abs=1e-4)
    assert q['precision'] == 0.75
