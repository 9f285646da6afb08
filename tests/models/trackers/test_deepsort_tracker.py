"""DeepSORT association on hand-made streams with known answers."""
import numpy as np
import pytest

from qdtrack.models.trackers import DeepSORTTracker, XYAHKalmanFilter
from qdtrack.models.trackers.deepsort_tracker import min_cost_matching
from qdtrack.models.trackers.xyah_kalman_filter import (
    bbox_xyah_to_xyxy,
    bbox_xyxy_to_xyah,
)

E = np.eye(4, dtype=np.float32)  # one embedding direction per object


def run(tracker, frames):
    """frames: list of (boxes, embeds or None); returns per-frame outputs."""
    outs = []
    for f, (boxes, embeds) in enumerate(frames):
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        outs.append(tracker.track(boxes, np.ones(len(boxes)), embeds,
                                  frame_id=f))
    return outs


def ids_of(out, det):
    """Track id given to detection row ``det`` (None if not output)."""
    hit = np.flatnonzero(out['det_inds'] == det)
    return int(out['ids'][hit[0]]) if hit.size else None


def test_kalman_filter_equals_mmdet():
    from mmdet.models.task_modules.tracking import KalmanFilter
    rng = np.random.default_rng(0)
    ref, kf = KalmanFilter(), XYAHKalmanFilter()
    meas = np.column_stack([rng.uniform(0, 500, 5), rng.uniform(0, 300, 5),
                            rng.uniform(0.3, 0.6, 5), rng.uniform(20, 200,
                                                                  5)])
    mean, cov = kf.initiate(meas)
    refs = [ref.initiate(m) for m in meas]
    dets = meas[[1, 3]] + rng.normal(0, 2, (2, 4)) * [1, 1, 0.01, 1]
    for step in range(3):
        mean, cov = kf.predict(mean, cov)
        refs = [ref.predict(m, c) for m, c in refs]
        z = meas + step + rng.normal(0, 1, meas.shape) * [1, 1, 0.01, 1]
        gd = kf.gating_distance(mean, cov, dets)
        for t, (m, c) in enumerate(refs):
            np.testing.assert_allclose(gd[t], ref.gating_distance(m, c, dets),
                                       rtol=1e-9)
        mean, cov = kf.update(mean, cov, z)
        refs = [ref.update(m, c, zz) for (m, c), zz in zip(refs, z)]
        np.testing.assert_allclose(mean, np.stack([m for m, _ in refs]),
                                   rtol=1e-10)
        np.testing.assert_allclose(cov, np.stack([c for _, c in refs]),
                                   rtol=1e-8, atol=1e-10)


def test_box_conversions_round_trip():
    boxes = np.array([[10., 20., 30., 80.], [0., 0., 5., 5.]])
    xyah = bbox_xyxy_to_xyah(boxes)
    np.testing.assert_allclose(xyah[0], [20, 50, 20 / 60, 60])
    np.testing.assert_allclose(bbox_xyah_to_xyxy(xyah), boxes)


def test_min_cost_matching_clips_like_the_reference():
    # clipped to 0.20001, the optimum pairs (0, 0) and (1, 1); (1, 1)
    # exceeds the limit and is dropped, row 1 is not re-matched to col 0
    rows, cols = min_cost_matching(np.array([[0.1, 0.5], [0.15, 0.9]]), 0.2)
    assert rows.tolist() == [0] and cols.tolist() == [0]
    rows, cols = min_cost_matching(np.zeros((0, 3)), 0.2)
    assert rows.size == cols.size == 0


def test_confirmation_after_three_hits_and_occlusion_recovery():
    # object 0 walks right 2 px/frame, hidden in frames 10-14 (5 frames);
    # object 1 stands still far away
    frames = []
    for f in range(20):
        a = [10 + 2 * f, 10, 40 + 2 * f, 90]
        b = [200, 20, 230, 100]
        boxes = [b] if 10 <= f < 15 else [a, b]
        emb = E[[1]] if 10 <= f < 15 else E[[0, 1]]
        frames.append((boxes, emb))
    outs = run(DeepSORTTracker(), frames)
    assert [len(o['ids']) for o in outs[:3]] == [0, 0, 2]  # tentative
    for f in list(range(2, 10)) + list(range(15, 20)):
        assert ids_of(outs[f], 0) == 0, f
    for f in range(10, 15):
        assert outs[f]['ids'].tolist() == [1]


def test_iou_only_does_not_recover_after_two_misses():
    frames = [([[10, 10, 40, 90]], None)] * 5 + [(np.zeros((0, 4)), None)
                                                  ] * 2
    frames += [([[10, 10, 40, 90]], None)] * 3
    outs = run(DeepSORTTracker(), frames)
    assert outs[4]['ids'].tolist() == [0]
    # track 0 was missed twice: only the cascade (appearance) may take it
    assert outs[9]['ids'].tolist() == [1]


def test_appearance_decides_a_swap_within_the_gate():
    a, b = [0., 0., 20., 50.], [6., 0., 26., 50.]
    frames = [([a, b], E[[0, 1]])] * 6
    # the objects swap places; IoU alone would keep ids by position
    frames += [([a, b], E[[1, 0]])] * 2
    tracker = DeepSORTTracker()
    outs = run(tracker, frames[:6])
    maha = tracker.kf.gating_distance(tracker.means, tracker.covs,
                                      bbox_xyxy_to_xyah(np.array([b, a])))
    assert (maha < 9.4877).all()  # every pair passes the gate
    outs += run_more(tracker, frames[6:], start=6)
    assert ids_of(outs[5], 0) == 0 and ids_of(outs[5], 1) == 1
    assert ids_of(outs[6], 0) == 1 and ids_of(outs[6], 1) == 0
    # without appearance the positions decide
    plain = run(DeepSORTTracker(), [(bx, None) for bx, _ in frames])
    assert ids_of(plain[6], 0) == 0 and ids_of(plain[6], 1) == 1


def run_more(tracker, frames, start):
    outs = []
    for f, (boxes, embeds) in enumerate(frames, start):
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        outs.append(tracker.track(boxes, np.ones(len(boxes)), embeds,
                                  frame_id=f))
    return outs


def test_gate_blocks_a_far_appearance_match():
    near = [10., 10., 40., 90.]
    far = [250., 10., 280., 90.]
    frames = [([near], E[[0]])] * 6 + [([far], E[[0]])] * 3
    outs = run(DeepSORTTracker(), frames)
    assert outs[5]['ids'].tolist() == [0]
    assert [o['ids'].tolist() for o in outs[6:]] == [[], [], [1]]


def test_tentative_track_dies_on_its_first_miss():
    box = [[10., 10., 40., 90.]]
    frames = [(box, E[[0]])] * 2 + [(np.zeros((0, 4)), E[:0])]
    frames += [(box, E[[0]])] * 3
    outs = run(DeepSORTTracker(), frames)
    assert [o['ids'].tolist() for o in outs] == [[], [], [], [], [], [1]]


def test_gallery_budget_keeps_the_latest_embeddings():
    tracker = DeepSORTTracker(budget=3)
    embeds = np.eye(5, dtype=np.float32)
    for f in range(5):
        tracker.track(np.array([[10., 10., 40., 90.]]), np.ones(1),
                      embeds[[f]], frame_id=f)
    assert tracker.gallery_len.tolist() == [3]
    cost = tracker.appearance_cost(embeds)
    np.testing.assert_allclose(cost[0], [1, 1, 0, 0, 0], atol=1e-6)


def test_output_detection_boxes_and_frame_reset():
    box = np.array([[10., 10., 40., 90.]])
    tracker = DeepSORTTracker(output='detection', n_init=1)
    # a new track is tentative in its first frame, as in the reference
    assert tracker.track(box, np.ones(1), E[[0]], frame_id=0)['ids'].size == 0
    out = tracker.track(box + 2, np.ones(1), E[[0]], frame_id=1)
    np.testing.assert_allclose(out['bboxes'], box + 2)
    assert out['ids'].tolist() == [0]
    tracker.track(box, np.ones(1), E[[0]], frame_id=0)  # new sequence
    assert tracker.num_tracks == 1 and tracker.next_id == 1
    tracker.track(box, np.ones(1), E[[0]], frame_id=3)
    with pytest.raises(ValueError, match='increase'):
        tracker.track(box, np.ones(1), E[[0]], frame_id=2)


def test_appearance_cost_of_selected_pairs_equals_the_full_matrix():
    rng = np.random.default_rng(3)
    tracker = DeepSORTTracker(budget=4, n_init=1)
    boxes = np.array([[0., 0., 20., 60.], [100., 0., 120., 60.],
                      [200., 0., 220., 60.]])
    for f in range(6):  # galleries fill past the budget
        tracker.track(boxes, np.ones(3),
                      rng.standard_normal((3, 5)).astype(np.float32) * 3,
                      frame_id=f)
    assert tracker.gallery_len.tolist() == [4, 4, 4]
    embeds = rng.standard_normal((2, 5)).astype(np.float32)
    full = tracker.appearance_cost(embeds)
    # by hand: 1 - largest cosine similarity to the gallery
    g = tracker.gallery / np.linalg.norm(tracker.gallery, axis=2,
                                         keepdims=True)
    e = embeds / np.linalg.norm(embeds, axis=1, keepdims=True)
    np.testing.assert_allclose(full, 1 - np.einsum('tbd,nd->tbn', g,
                                                   e).max(1), atol=1e-6)
    pairs = np.array([[True, False], [False, False], [True, True]])
    part = tracker.appearance_cost(embeds, pairs)
    np.testing.assert_allclose(part[pairs], full[pairs])
    assert (part[~pairs] == 1e5).all()


def run_labelled(tracker, boxes, labels, embeds=None):
    """One box per frame with the given labels; per-frame (ids, labels)."""
    outs = []
    for f, (box, label) in enumerate(zip(boxes, labels)):
        out = tracker.track(np.asarray([box], dtype=np.float64), np.ones(1),
                            None if embeds is None else E[[0]],
                            labels=np.array([label]), frame_id=f)
        outs.append((out['ids'].tolist(), out['labels'].tolist()))
    return outs


def test_track_label_of_the_detection_or_the_majority():
    # one still object whose detector label flickers
    labels = [3, 3, 5, 3, 5, 5, 5, 2]
    boxes = [[10., 10., 40., 90.]] * len(labels)
    det = run_labelled(DeepSORTTracker(), boxes, labels)
    assert det[:2] == [([], [])] * 2  # tentative
    assert [o[0] for o in det[2:]] == [[0]] * 6
    assert [o[1] for o in det[2:]] == [[5], [3], [5], [5], [5], [2]]
    # votes 3:5 after frames 2..7: 2:1, 3:1, 3:2, 3:3 (tie: keeps 3),
    # 3:4 (5 wins), 3:4 + one 2
    maj = run_labelled(DeepSORTTracker(track_label='majority'), boxes,
                       labels)
    assert [o[0] for o in maj[2:]] == [[0]] * 6
    assert [o[1] for o in maj[2:]] == [[3], [3], [3], [3], [5], [5]]


@pytest.mark.parametrize('with_embeds', [False, True])
def test_class_aware_keeps_another_class_off_a_track(with_embeds):
    # object A (label 1) stands at p for frames 0-3 and leaves; object B
    # (label 2, same appearance) stands at p from frame 4 on
    p = [10., 10., 40., 90.]
    labels = [1] * 4 + [2] * 6
    embeds = True if with_embeds else None
    agnostic = run_labelled(DeepSORTTracker(track_label='majority'),
                            [p] * 10, labels, embeds)
    # B continues A's track; its label turns to 2 once B has more boxes
    # (5 at frame 8) than A had (4)
    assert [o[0] for o in agnostic[2:]] == [[0]] * 8
    assert [o[1][0] for o in agnostic[2:]] == [1, 1, 1, 1, 1, 1, 2, 2]
    aware = run_labelled(DeepSORTTracker(class_aware=True), [p] * 10,
                         labels, embeds)
    # B starts track 1, confirmed by its third box (frame 6); A's track is
    # never given B's boxes
    assert [o[0] for o in aware[2:]] == [[0], [0], [], [], [1], [1], [1],
                                         [1]]
    assert [o[1] for o in aware[2:]] == [[1], [1], [], [], [2], [2], [2],
                                         [2]]


def test_labels_must_be_non_negative():
    with pytest.raises(ValueError, match='labels'):
        DeepSORTTracker().track(np.array([[0., 0., 10., 10.]]), np.ones(1),
                                labels=np.array([-1]))
    with pytest.raises(ValueError, match='track_label'):
        DeepSORTTracker(track_label='first')


def test_confirm_new_outputs_a_track_from_its_first_box():
    box = [[10., 10., 40., 90.]]
    far = [[300., 10., 330., 90.]]
    outs = run(DeepSORTTracker(confirm_new=True),
               [(box, None), (box, None), (far, None), (far, None)])
    # confirmed at birth: output at once, and kept through a miss
    assert [o['ids'].tolist() for o in outs] == [[0], [0], [1], [1]]
    assert DeepSORTTracker(confirm_new=True).track(
        np.array(box), np.ones(1), frame_id=0)['ids'].tolist() == [0]
    outs = run(DeepSORTTracker(n_init=1), [(box, None)] * 2)
    assert [o['ids'].tolist() for o in outs] == [[], [0]]  # reference
