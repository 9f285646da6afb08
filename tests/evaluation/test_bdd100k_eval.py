"""BDD100K box tracking evaluation: official rules, cross-checked.

The cross-check data is a small hand-made CocoVID dataset exported in the
BDD100K layout (with a crowd box and an ``other vehicle`` box) and a
tracker output derived from its ground truth with id switches, a fragmented
track, dropped and jittered boxes, false positives, a class without ground
truth, renamed and ignored categories, and boxes inside ignore regions.

``REFERENCE`` holds the numbers of the official toolkit (bdd100k 1.0.1,
scalabel 0.3.1, motmetrics 1.4.0, numpy 1.26) on that data, produced by::

    bash tools/benchmarks/bdd_reference_env.sh /tmp/bdd_ref_venv
    PYTHONPATH=. python tests/evaluation/test_bdd100k_eval.py /tmp/bdd_xcheck
    /tmp/bdd_ref_venv/bin/python -m bdd100k.eval.run -t box_track \\
        -g /tmp/bdd_xcheck/labels/box_track_20/val \\
        -r /tmp/bdd_xcheck/results --nproc 1 \\
        --out-file /tmp/bdd_xcheck/reference.json

``test_matches_reference_live`` repeats that run, and
``test_toy_benchmark_matches_reference_live`` does the same on a generated
toy benchmark, when the reference environment exists
($QDTRACK_BDD_REF_VENV or ~/.cache/qdtrack/bdd100k-ref-venv); both are
skipped otherwise.
"""
import functools
import json
import math
import os
import os.path as osp
import random
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from qdtrack.datasets.bdd100k import load_scalabel_frames
from qdtrack.datasets.toy.export_bdd100k import export_cocovid_as_bdd100k
from qdtrack.evaluation.functional import bdd100k_mot as bdd_mot
from qdtrack.evaluation.functional.bdd100k_mot import (
    ClearMotAccumulator,
    compute_bdd100k_hota,
    evaluate_bdd100k_mot,
    format_bdd100k_table,
    intersection_over_area,
    iou_distance,
    scalabel_xywh,
)
from qdtrack.evaluation.writers.bdd100k import (
    bdd100k_frame,
    bdd100k_labels_from_arrays,
    write_bdd100k_results,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSES8 = ('pedestrian', 'rider', 'car', 'truck', 'bus', 'train',
            'motorcycle', 'bicycle')


# ----------------------------------------------------------------- fixture
def _track(iid, cat, video, frames, box_at, crowd=False):
    return [(video, t, iid, cat, box_at(t), crowd) for t in frames]


def make_cocovid(path):
    """Write the hand-made CocoVID dataset; return its path.

    Categories 1 pedestrian, 2 car, 3 bicycle (the toy benchmark's) plus
    4 'other vehicle'. Images are listed out of frame order on purpose.
    """
    rows = []
    rows += _track(1, 1, 1, range(12), lambda t: (20 + 6 * t, 100, 20, 50))
    rows += _track(2, 1, 1, range(12), lambda t: (200 - 5 * t, 110, 22, 48))
    rows += _track(3, 2, 1, range(10), lambda t: (40 + 8 * t, 170, 60, 35))
    rows += _track(4, 3, 1, range(2, 12), lambda t: (250, 60 + 3 * t, 25, 30))
    # small box: matched with the toolkit's x2 - x1 + 1 width only
    rows += _track(5, 1, 1, range(12), lambda t: (150, 20, 8, 8))
    rows += _track(6, 1, 1, range(12), lambda t: (260, 150, 50, 60),
                   crowd=True)
    rows += _track(7, 4, 1, range(12), lambda t: (10, 20, 60, 40))
    rows += _track(12, 1, 1, range(12), lambda t: (282, 160, 18, 40))
    rows += _track(8, 2, 2, range(10), lambda t: (30 + 10 * t, 50, 50, 30))
    rows += _track(9, 2, 2, range(10), lambda t: (250 - 10 * t, 58, 50, 30))
    rows += _track(10, 1, 2, range(10), lambda t: (150, 150 + 2 * t, 20, 45))
    rows += _track(11, 3, 2, range(5), lambda t: (60, 120, 24, 28))
    lengths = {1: 12, 2: 10}
    images, image_ids = [], {}
    for video in (2, 1):
        for t in reversed(range(lengths[video])):
            image_ids[(video, t)] = len(images) + 1
            images.append(dict(
                id=len(images) + 1, video_id=video, frame_id=t,
                file_name=f'val/TOY-0{video}/img1/{t + 1:06d}.jpg',
                height=240, width=320))
    anns = []
    for video, t, iid, cat, (x, y, w, h), crowd in rows:
        anns.append(dict(
            id=len(anns) + 1, image_id=image_ids[(video, t)],
            category_id=cat, instance_id=iid, bbox=[x, y, w, h],
            area=w * h, iscrowd=int(crowd), ignore=int(crowd)))
    coco = dict(
        categories=[dict(id=1, name='pedestrian'), dict(id=2, name='car'),
                    dict(id=3, name='bicycle'),
                    dict(id=4, name='other vehicle')],
        videos=[dict(id=1, name='TOY-01', width=320, height=240),
                dict(id=2, name='TOY-02', width=320, height=240)],
        images=images, annotations=anns)
    with open(path, 'w') as f:
        json.dump(coco, f)
    return path


def _pred(track_id, category, box, score=0.9):
    x1, y1, x2, y2 = box
    return dict(id=str(track_id), category=category, score=score,
                box2d=dict(x1=x1, y1=y1, x2=x2, y2=y2))


def perturb(gt_frames, seed=0):
    """A tracker output derived from ground-truth frames of one video.

    Only ``random.Random.random`` is used: its sequence is stable across
    Python versions, so the output (and the pinned numbers) are too.
    """
    rng = random.Random(seed)
    out = []
    for frame in gt_frames:
        t, video = frame['frameIndex'], frame['videoName']
        labels = []
        for lab in frame['labels']:
            if lab['attributes']['crowd'] or lab['category'] in (
                    'other vehicle', 'other person', 'trailer'):
                continue
            gid = int(lab['id'])
            b = lab['box2d']
            box = [b['x1'], b['y1'], b['x2'], b['y2']]
            if gid == 5:  # shift by 2.5 px: IoU 0.52 (+1 width), else 0.47
                box = [box[0] + 2.5, box[1], box[2] + 2.5, box[3]]
            else:
                if rng.random() < 0.12:
                    continue  # missed
                box = [v + 4 * (rng.random() - 0.5) for v in box]
                if rng.random() < 0.05:
                    box = [box[0] + 14, box[1], box[2] + 14, box[3]]
            pid = 100 + gid
            if video == 'TOY-01' and t >= 6 and gid in (1, 2):
                pid = 103 - gid  # identities swapped
            if video == 'TOY-01' and t >= 5 and gid == 3:
                pid = 150  # fragmented track
            if video == 'TOY-02' and t >= 5 and gid in (8, 9):
                pid = 117 - gid  # swap where the cars cross
            category = lab['category']
            if gid == 1 and t % 3 == 0:
                category = 'person'  # renamed by the toolkit
            labels.append(_pred(pid, category, box, 0.5 + rng.random() / 2))
            if gid == 12 and t >= 9:
                # a duplicate fitting better than the track's own box: the
                # ignore step pairs it with the gt and drops the track's
                # box (inside the crowd region); then the gt switches id
                exact = [b['x1'], b['y1'], b['x2'], b['y2']]
                labels.append(_pred(305, 'pedestrian', exact))
        if video == 'TOY-01':
            # inside the crowd box and the 'other vehicle' box: dropped
            labels.append(_pred(300, 'pedestrian', [270, 160, 289, 199]))
            labels.append(_pred(301, 'car', [15, 25, 54, 54]))
            if t in (2, 5, 8):  # a third inside the crowd box: kept (FP)
                labels.append(_pred(302, 'pedestrian', [296, 150, 335, 189]))
            if t in (3, 7):
                labels.append(_pred(303, 'pedestrian', [150, 200, 169, 229]))
            if t == 4:
                labels.append(_pred(304, 'other person', [100, 30, 119, 69]))
        elif t in (2, 3):
            labels.append(_pred(400, 'truck', [200, 180, 259, 219]))
        out.append(dict(name=frame['name'], videoName=video,
                        frameIndex=t, labels=labels))
    return out


def write_cross_check_inputs(root):
    """Export the fixture and write the perturbed results under ``root``.

    Returns:
        tuple[str, str]: Ground-truth folder and results folder.
    """
    os.makedirs(root, exist_ok=True)
    ann = make_cocovid(osp.join(root, 'cocovid.json'))
    gt_dir = export_cocovid_as_bdd100k(ann, root, 'val',
                                       progress=False)['labels']
    results = []
    for name in sorted(os.listdir(gt_dir)):
        with open(osp.join(gt_dir, name)) as f:
            results += perturb(json.load(f))
    res_dir = osp.join(root, 'results')
    write_bdd100k_results(results, res_dir, progress=False)
    return gt_dir, res_dir


# Official toolkit output on the cross-check data (command in the module
# docstring). Per row: MOTA, MOTP, IDF1 (percent), FP, FN, IDSw, MT, PT, ML,
# FM. NAN: no ground truth and no match; -INF: false positives without
# ground truth.
NAN, INF = math.nan, math.inf
REFERENCE = {
    'pedestrian': [75.86206896551724, 79.64195068193652, 68.37606837606837,
                   6, 5, 3, 4, 1, 0, 4],
    'rider': [NAN, NAN, NAN,
              0, 0, 0, 0, 0, 0, 0],
    'car': [83.33333333333334, 89.57798283922074, 48.275862068965516,
            0, 2, 3, 3, 0, 0, 2],
    'truck': [-INF, NAN, 0.0,
              2, 0, 0, 0, 0, 0, 0],
    'bus': [NAN, NAN, NAN,
            0, 0, 0, 0, 0, 0, 0],
    'train': [NAN, NAN, NAN,
              0, 0, 0, 0, 0, 0, 0],
    'motorcycle': [NAN, NAN, NAN,
                   0, 0, 0, 0, 0, 0, 0],
    'bicycle': [86.66666666666667, 88.20491124085696, 93.33333333333333,
                1, 1, 0, 2, 0, 0, 0],
    'human': [75.86206896551724, 79.64195068193652, 68.37606837606837,
              6, 5, 3, 4, 1, 0, 4],
    'vehicle': [76.66666666666666, 89.57798283922074, 46.666666666666664,
                2, 2, 3, 3, 0, 0, 2],
    'bike': [86.66666666666667, 88.20491124085696, 93.33333333333333,
             1, 1, 0, 2, 0, 0, 0],
    'AVERAGE': [30.73275862068966, 32.17810559525178, 26.2481579722959,
                9, 8, 6, 9, 1, 0, 6],
    'OVERALL': [77.66990291262135, 83.83237540013488, 65.70048309178745,
                9, 8, 6, 9, 1, 0, 6],
}


@pytest.fixture(scope='module')
def cross_check(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('bdd_xcheck'))
    gt_dir, res_dir = write_cross_check_inputs(root)
    result = evaluate_bdd100k_mot(gt_dir, res_dir, progress=False)
    return root, gt_dir, res_dir, result


# ------------------------------------------------------------- unit tests
def test_plus_one_width_in_iou_and_iof():
    gt = scalabel_xywh([[100, 20, 107, 27]])
    pred = scalabel_xywh([[102.5, 20, 109.5, 27]])
    np.testing.assert_allclose(gt, [[100, 20, 8, 8]])
    # (8 - 2.5) / (8 + 2.5) with the +1 width; 4.5 / 9.5 < 0.5 without it
    dist = iou_distance(gt, pred)
    assert dist[0, 0] == pytest.approx(1 - 5.5 / 10.5)
    no_plus_one = np.array([[100, 20, 7, 7]]), np.array([[102.5, 20, 7, 7]])
    assert np.isnan(iou_distance(*no_plus_one)[0, 0])
    # IoF: 10 of the 40 px (with +1) of the box's width are inside
    iof = intersection_over_area(scalabel_xywh([[300, 150, 339, 189]]),
                                 scalabel_xywh([[260, 150, 309, 209]]))
    assert iof[0, 0] == pytest.approx(10 / 40)


def test_accumulator_hand_computed():
    """Two gt tracks over 4 frames; every count checked by hand."""
    acc = ClearMotAccumulator()
    near = np.array([[0.1, np.nan], [np.nan, 0.2]])
    acc.update(np.array([1, 2]), np.array([10, 20]), near)     # 2 matches
    acc.update(np.array([1, 2]), np.array([20, 10]),            # swap: 2 sw
               np.array([[0.3, np.nan], [np.nan, 0.1]]))
    acc.update(np.array([1, 2]), np.array([20]),                # 1 miss
               np.array([[0.2], [np.nan]]))
    acc.update(np.array([1]), np.array([20, 30]),               # 1 fp
               np.array([[0.1, np.nan]]))
    s = acc.summary()
    assert (s['FP'], s['FN'], s['IDSw']) == (1, 1, 2)
    assert s['num_objects'] == 7 and s['num_predictions'] == 7
    assert s['num_detections'] == 6
    assert s['dist_sum'] == pytest.approx(0.1 + 0.2 + 0.3 + 0.1 + 0.2 + 0.1)
    # best identity pairs: 1 -> 20 (3 frames), 2 -> 10 (1 frame)
    assert s['idtp'] == 4
    # object 1 tracked 4/4, object 2 tracked 2/3
    assert (s['MT'], s['PT'], s['ML']) == (1, 1, 0)
    assert s['FM'] == 0


def test_keeps_previous_match_over_better_iou():
    acc = ClearMotAccumulator()
    acc.update(np.array([1]), np.array([10, 20]), np.array([[0.1, 0.4]]))
    # hypothesis 20 fits better now, but 10 is still valid: no switch
    acc.update(np.array([1]), np.array([10, 20]), np.array([[0.45, 0.0]]))
    s = acc.summary()
    assert (s['IDSw'], s['FP'], s['num_detections']) == (0, 2, 2)
    assert s['dist_sum'] == pytest.approx(0.55)


def test_fragmentation_and_mostly_lost():
    acc = ClearMotAccumulator()
    seq = [True, False, False, True, False, True, False, False, False,
           False, False]
    for hit in seq:
        acc.update(np.array([1]), np.array([5] if hit else []),
                   np.full((1, 1 if hit else 0), 0.0))
    s = acc.summary()
    assert s['FM'] == 2  # misses inside the tracked span, trailing ignored
    assert (s['MT'], s['PT'], s['ML']) == (0, 1, 0)  # 3/11 tracked


def test_class_without_gt_counts_zero_in_mean(cross_check):
    _, _, _, result = cross_check
    table = result['per_class']
    assert table['truck']['MOTA'] == -math.inf  # FP without ground truth
    assert table['truck']['IDF1'] == 0.0
    assert math.isnan(table['rider']['MOTA'])
    rates = [table[c]['MOTA'] for c in CLASSES8]
    expected = sum(r for r in rates if math.isfinite(r)) / 8
    assert result['mMOTA'] == pytest.approx(expected)
    assert table['AVERAGE']['FP'] == sum(table[c]['FP'] for c in CLASSES8)
    assert table['OVERALL']['FN'] == table['AVERAGE']['FN']
    assert table['vehicle']['FP'] == table['car']['FP'] + table['truck']['FP']
    assert 'OVERALL' in format_bdd100k_table(result)


def test_ignore_regions_drop_only_unmatched_covered_preds(cross_check):
    _, gt_dir, res_dir, result = cross_check
    # Without the boxes inside ignore regions (ids 300 and 301) the result
    # is the same: they are dropped.
    frames = load_scalabel_frames(res_dir, progress=False)
    for frame in frames:
        frame.labels = [lab for lab in frame.labels
                        if lab.id not in ('300', '301')]
    again = evaluate_bdd100k_mot(gt_dir, frames, progress=False)
    _assert_same(_flat(again), _flat(result))
    # The box a third inside the crowd region (id 302) stays a false
    # positive in the 3 frames it appears.
    for frame in frames:
        frame.labels = [lab for lab in frame.labels if lab.id != '302']
    fewer = evaluate_bdd100k_mot(gt_dir, frames, progress=False)
    assert (result['per_class']['pedestrian']['FP'] -
            fewer['per_class']['pedestrian']['FP']) == 3


def test_perfect_tracker(cross_check):
    _, gt_dir, _, _ = cross_check
    frames = load_scalabel_frames(gt_dir, progress=False)
    result = evaluate_bdd100k_mot(gt_dir, frames, progress=False)
    overall = result['per_class']['OVERALL']
    assert overall['MOTA'] == 100.0 and overall['IDF1'] == 100.0
    assert overall['MOTP'] == pytest.approx(100.0)
    assert overall['FP'] == overall['FN'] == overall['IDSw'] == 0
    # 4 of 8 classes have ground truth: the mean counts the rest as 0
    assert result['mMOTA'] == pytest.approx(100 * 3 / 8)


def test_unknown_video_and_frame_are_errors(cross_check, tmp_path):
    _, gt_dir, res_dir, _ = cross_check
    frames = load_scalabel_frames(res_dir, progress=False)
    frames[0].video_name = 'nope'
    with pytest.raises(ValueError, match="video 'nope'"):
        evaluate_bdd100k_mot(gt_dir, frames, progress=False)
    frames = load_scalabel_frames(res_dir, progress=False)
    frames[0].frame_index = 99
    with pytest.raises(ValueError, match='frameIndex 99'):
        evaluate_bdd100k_mot(gt_dir, frames, progress=False)
    frames = load_scalabel_frames(res_dir, progress=False)
    frames[3].labels[0].id = 'abc'
    with pytest.raises(ValueError, match="'abc' is not an integer"):
        evaluate_bdd100k_mot(gt_dir, frames, progress=False)


def test_missing_video_scores_as_empty(cross_check):
    _, gt_dir, res_dir, _ = cross_check
    gt = load_scalabel_frames(gt_dir, progress=False)
    preds = load_scalabel_frames(res_dir, progress=False)
    v1 = [f for f in preds if f.video_name == 'TOY-01']
    missing = evaluate_bdd100k_mot(gt_dir, v1, progress=False)
    empty_v2 = [f for f in preds if f.video_name == 'TOY-02']
    for frame in empty_v2:
        frame.labels = []
    _assert_same(
        _flat(evaluate_bdd100k_mot(gt_dir, v1 + empty_v2, progress=False)),
        _flat(missing))
    only_v1 = evaluate_bdd100k_mot(
        [f for f in gt if f.video_name == 'TOY-01'], v1, progress=False)
    n_cars_v2 = sum(lab.category == 'car' for f in gt
                    if f.video_name == 'TOY-02' for lab in f.labels)
    assert n_cars_v2 == 20
    assert missing['per_class']['car']['FN'] == (
        only_v1['per_class']['car']['FN'] + n_cars_v2)


# --------------------------------------------------------- cross-checks
def _flat(result):
    return {name: [row[k] for k in ('MOTA', 'MOTP', 'IDF1', 'FP', 'FN',
                                    'IDSw', 'MT', 'PT', 'ML', 'FM')]
            for name, row in result['per_class'].items()}


def _assert_same(ours, reference):
    assert set(ours) == set(reference)
    for name, row in reference.items():
        for got, want in zip(ours[name], row):
            if isinstance(want, float) and not math.isfinite(want):
                assert got == want or (math.isnan(got) and math.isnan(want))
            else:
                assert got == pytest.approx(want, abs=1e-9), (name, ours[
                    name], row)


def test_matches_pinned_reference(cross_check):
    _, _, _, result = cross_check
    _assert_same(_flat(result), REFERENCE)


def _reference_python():
    venv = os.environ.get('QDTRACK_BDD_REF_VENV', osp.expanduser(
        '~/.cache/qdtrack/bdd100k-ref-venv'))
    return osp.join(venv, 'bin', 'python')


def read_reference(path):
    """Rows of the toolkit's ``--out-file`` JSON, like :func:`_flat`."""
    with open(path) as f:
        raw = json.load(f)
    rows = {}
    keys = ('MOTA', 'MOTP', 'IDF1', 'FP', 'FN', 'IDSw', 'MT', 'PT', 'ML',
            'FM')
    for k in keys:
        for group in raw[k]:
            for name, value in group.items():
                value = float('nan') if value is None else value
                rows.setdefault(name, []).append(value)
    return rows


@pytest.mark.skipif(not osp.isfile(_reference_python()),
                    reason='BDD100K reference environment not installed '
                    '(tools/benchmarks/bdd_reference_env.sh)')
def test_matches_reference_live(cross_check):
    root, gt_dir, res_dir, result = cross_check
    out = osp.join(root, 'reference.json')
    subprocess.run(
        [_reference_python(), '-m', 'bdd100k.eval.run', '-t', 'box_track',
         '-g', gt_dir, '-r', res_dir, '--nproc', '1', '--out-file', out],
        check=True, capture_output=True)
    _assert_same(_flat(result), read_reference(out))


@pytest.mark.skipif(not osp.isfile(_reference_python()),
                    reason='BDD100K reference environment not installed '
                    '(tools/benchmarks/bdd_reference_env.sh)')
def test_toy_benchmark_matches_reference_live(tmp_path):
    """The generated toy benchmark, with a crowd and an ignored box added."""
    from qdtrack.datasets.toy import generate_toy_benchmark
    toy = str(tmp_path / 'toy')
    ann = generate_toy_benchmark(toy, seed=3, num_train=0, num_val=2,
                                 num_frames=12, progress=False)
    ann = ann['paths']['val_ann']
    with open(ann) as f:
        coco = json.load(f)
    coco['categories'].append(dict(id=99, name='other vehicle'))
    for img in coco['images']:
        for cat, box, crowd in ((1, [200, 20, 60, 80], 1),
                                (99, [0, 0, 70, 50], 0)):
            coco['annotations'].append(dict(
                id=len(coco['annotations']) + 1, image_id=img['id'],
                category_id=cat, instance_id=900 + cat, bbox=box,
                area=box[2] * box[3], iscrowd=crowd, ignore=crowd))
    with open(ann, 'w') as f:
        json.dump(coco, f)
    out = str(tmp_path / 'bdd')
    gt_dir = export_cocovid_as_bdd100k(ann, out, 'val',
                                       progress=False)['labels']
    results = []
    for name in sorted(os.listdir(gt_dir)):
        with open(osp.join(gt_dir, name)) as f:
            results += perturb(json.load(f), seed=7)
    res_dir = osp.join(out, 'results')
    write_bdd100k_results(results, res_dir, progress=False)
    ref = osp.join(out, 'reference.json')
    subprocess.run(
        [_reference_python(), '-m', 'bdd100k.eval.run', '-t', 'box_track',
         '-g', gt_dir, '-r', res_dir, '--nproc', '1', '--out-file', ref],
        check=True, capture_output=True)
    ours = evaluate_bdd100k_mot(gt_dir, res_dir, progress=False)
    assert ours['per_class']['OVERALL']['FP'] > 0
    _assert_same(_flat(ours), read_reference(ref))


def test_hota_through_trackeval(cross_check):
    _, gt_dir, res_dir, _ = cross_check
    hota = compute_bdd100k_hota(gt_dir, res_dir, progress=False)
    assert set(hota) == {'HOTA', 'DetA', 'AssA'}
    assert hota['HOTA']['rider'] == 0.0
    assert hota['HOTA']['truck'] == 0.0  # false positives only
    assert 0 < hota['HOTA']['OVERALL'] < 100
    assert hota['HOTA']['AVERAGE'] == pytest.approx(
        sum(hota['HOTA'][c] for c in CLASSES8) / 8)
    assert hota['HOTA']['human'] == pytest.approx(
        hota['HOTA']['pedestrian'])
    # boxes inside the crowd / 'other vehicle' regions change nothing: the
    # converted files carry the ignore regions TrackEval needs ('Crowd')
    frames = load_scalabel_frames(res_dir, progress=False)
    for frame in frames:
        frame.labels = [lab for lab in frame.labels
                        if lab.id not in ('300', '301')]
    assert compute_bdd100k_hota(gt_dir, frames, progress=False) == hota
    # ... while the box a third inside the crowd box is a false positive
    for frame in frames:
        frame.labels = [lab for lab in frame.labels if lab.id != '302']
    fewer = compute_bdd100k_hota(gt_dir, frames, progress=False)
    assert fewer['DetA']['pedestrian'] > hota['DetA']['pedestrian']
    # only identities matter: huge track ids give the same scores
    frames = load_scalabel_frames(res_dir, progress=False)
    for frame in frames:
        for lab in frame.labels:
            lab.id = str(int(lab.id) + 10**12)
    assert compute_bdd100k_hota(gt_dir, frames, progress=False) == hota
    perfect = compute_bdd100k_hota(gt_dir, gt_dir, progress=False)
    for cls in ('pedestrian', 'car', 'bicycle'):
        assert perfect['HOTA'][cls] == pytest.approx(100.0)
    assert perfect['HOTA']['AVERAGE'] == pytest.approx(100 * 3 / 8)


# ---------------------------------------------------------------- writer
def test_writer_labels_from_arrays():
    labels = bdd100k_labels_from_arrays(
        bboxes=np.array([[10, 20, 30.5, 60], [0, 0, 5, 5], [1, 2, 3, 4]]),
        scores=np.array([0.9, 0.8, 0.7]),
        labels=np.array([2, 0, 7]),
        ids=np.array([4, -1, 12]))
    assert labels == [
        dict(id='4', category='car', score=0.9,
             box2d=dict(x1=10.0, y1=20.0, x2=29.5, y2=59.0)),
        dict(id='12', category='bicycle', score=0.7,
             box2d=dict(x1=1.0, y1=2.0, x2=2.0, y2=3.0)),
    ]
    with pytest.raises(ValueError, match='class index 8 outside'):
        bdd100k_labels_from_arrays(np.zeros((1, 4)), [1.0], [8], [0])
    with pytest.raises(ValueError, match='differ in length'):
        bdd100k_labels_from_arrays(np.zeros((2, 4)), [1.0], [0], [0])
    with pytest.raises(ValueError, match='track 3: non-finite box'):
        bdd100k_labels_from_arrays([[0, 0, np.inf, 1]], [1.0], [0], [3])


def test_writer_files_are_ordered_atomic_and_evaluable(tmp_path):
    frames = [
        bdd100k_frame('v-0000002.jpg', 'v', 1, bdd100k_labels_from_arrays(
            [[10, 10, 31, 41]], [0.5], [0], [1])),
        bdd100k_frame('v-0000001.jpg', 'v', 0, bdd100k_labels_from_arrays(
            [[10, 10, 31, 41]], [0.5], [0], [1])),
        bdd100k_frame('u-0000001.jpg', 'u', 0),
    ]
    written = write_bdd100k_results(frames, str(tmp_path / 'res'),
                                    progress=False)
    assert [osp.basename(p) for p in written] == ['u.json', 'v.json']
    assert sorted(os.listdir(tmp_path / 'res')) == ['u.json', 'v.json']
    with open(tmp_path / 'res' / 'v.json') as f:
        assert [fr['frameIndex'] for fr in json.load(f)] == [0, 1]
    single = str(tmp_path / 'all.json')
    assert write_bdd100k_results(frames, single, progress=False) == [single]
    with open(single) as f:
        assert [(fr['videoName'], fr['frameIndex'])
                for fr in json.load(f)] == [('u', 0), ('v', 0), ('v', 1)]
    # ground truth with the same boxes as inclusive corners scores perfect
    gt = [dict(name=f'v-000000{i + 1}.jpg', videoName='v', frameIndex=i,
               labels=[dict(id='9', category='pedestrian',
                            box2d=dict(x1=10, y1=10, x2=30, y2=40))])
          for i in range(2)]
    gt.append(dict(name='u-0000001.jpg', videoName='u', frameIndex=0,
                   labels=[]))
    with open(tmp_path / 'gt.json', 'w') as f:
        json.dump(gt, f)
    result = evaluate_bdd100k_mot(str(tmp_path / 'gt.json'), single,
                                  progress=False)
    ped = result['per_class']['pedestrian']
    assert (ped['MOTA'], ped['IDF1'], ped['MOTP']) == (100.0, 100.0, 100.0)


def test_writer_rejects_bad_frames(tmp_path):
    good = bdd100k_frame('v-0000001.jpg', 'v', 0)
    with pytest.raises(ValueError, match='already has a frame with '
                       'frameIndex 0'):
        write_bdd100k_results([good, dict(good)], str(tmp_path / 'r'),
                              progress=False)
    bad = dict(good, labels=[dict(id='1', category='tree',
                                  box2d=dict(x1=0, y1=0, x2=1, y2=1))])
    with pytest.raises(ValueError, match=r'result frame 0 \(v-0000001.jpg '
                       r'of v\): bad label'):
        write_bdd100k_results([bad], str(tmp_path / 'r'), progress=False)
    with pytest.raises(ValueError, match='"frameIndex" missing'):
        write_bdd100k_results([dict(good, frameIndex='0')],
                              str(tmp_path / 'r'), progress=False)
    assert not osp.exists(tmp_path / 'r')


if __name__ == '__main__':
    gt_dir, res_dir = write_cross_check_inputs(sys.argv[1])
    print(f'ground truth: {gt_dir}\nresults:      {res_dir}')


# ------------------------------------------- vectorised per-frame loop
def _synthetic_bdd(root, seed=0, videos=4, frames=30):
    """Random tracks of the 8 classes with crowd and 'other vehicle'
    regions; predictions with jitter, misses, id swaps, duplicate ids in a
    frame, false positives and boxes inside the regions. Returns the
    ground-truth and result folders."""
    rng = np.random.default_rng(seed)
    gt_frames, res_frames = [], []
    for v in range(videos):
        name = f'syn-{v}'
        n = 12
        start = rng.integers(0, frames // 2, n)
        stop = start + rng.integers(5, frames, n)
        cls = rng.integers(0, 8, n)
        xy = rng.uniform(0, 250, (n, 2))
        vel = rng.normal(0, 3, (n, 2))
        wh = rng.uniform(10, 60, (n, 2))
        region = [200.0, 150.0, 300.0, 230.0]
        for t in range(frames):
            gt_labels, res_labels = [], []
            for k in np.nonzero((start <= t) & (t < stop))[0]:
                x1, y1 = xy[k] + vel[k] * (t - start[k])
                box = [x1, y1, x1 + wh[k, 0], y1 + wh[k, 1]]
                gt_labels.append(dict(
                    id=str(k + 1), category=CLASSES8[cls[k]],
                    attributes=dict(crowd=False),
                    box2d=dict(zip(('x1', 'y1', 'x2', 'y2'), box))))
                if rng.random() < (0.9 if k == 3 else 0.15):
                    continue  # missed (track 3 mostly lost)
                pid = 100 + k if t < frames // 2 or k % 3 else 200 + k
                if k in (0, 1) and t % 7 == 3:
                    pid = 101 - k  # swapped for one frame
                jit = list(np.array(box) + rng.normal(0, 2, 4))
                res_labels.append(_pred(pid, CLASSES8[cls[k]], jit))
                if k == 2 and t % 4 == 0:  # the same id twice
                    res_labels.append(_pred(pid, CLASSES8[cls[k]],
                                            list(np.array(jit) + 3)))
            if t % 3:
                gt_labels.append(dict(
                    id='9001', category='pedestrian',
                    attributes=dict(crowd=True),
                    box2d=dict(zip(('x1', 'y1', 'x2', 'y2'), region))))
            if t % 5 == 0:
                gt_labels.append(dict(
                    id='9002', category='other vehicle',
                    attributes=dict(crowd=False),
                    box2d=dict(x1=0.0, y1=0.0, x2=40.0, y2=30.0)))
            res_labels.append(_pred(500 + t % 4, CLASSES8[t % 8],
                                    [210.0, 160.0, 240.0, 200.0]))
            res_labels.append(_pred(600, 'car', list(rng.uniform(0, 200, 2))
                                    + [260.0, 230.0]))
            frame = f'{name}-{t + 1:07d}.jpg'
            gt_frames.append(bdd100k_frame(frame, name, t, gt_labels))
            res_frames.append(bdd100k_frame(frame, name, t, res_labels))
    gt_dir, res_dir = osp.join(root, 'gt'), osp.join(root, 'res')
    os.makedirs(gt_dir)
    for v in range(videos):
        with open(osp.join(gt_dir, f'syn-{v}.json'), 'w') as f:
            json.dump([fr for fr in gt_frames
                       if fr['videoName'] == f'syn-{v}'], f)
    write_bdd100k_results(res_frames, res_dir, progress=False)
    return gt_dir, res_dir


def _per_class_reference(gts, preds):
    """The evaluator's per-frame loop before vectorisation: per frame and
    class, split the labels, then that class's own IoU matrix and ignore
    overlaps."""
    ids = bdd_mot._gt_id_map(gts)
    accs = [ClearMotAccumulator() for _ in CLASSES8]
    for gt, pred in zip(gts, preds):
        g = [(lab.box, CLASSES8.index(lab.category), ids[lab.id])
             for lab in gt.labels
             if not lab.is_ignore and lab.category in CLASSES8]
        p = [(lab.box, CLASSES8.index(lab.category), int(lab.id))
             for lab in (pred.labels if pred is not None else [])
             if not lab.is_ignore and lab.category in CLASSES8]
        ign = scalabel_xywh(np.array(
            [lab.box for lab in gt.labels if lab.is_ignore]).reshape(-1, 4))
        for c in range(8):
            gc = [r for r in g if r[1] == c]
            pc = [r for r in p if r[1] == c]
            if not gc and not pc:
                continue
            g_box = scalabel_xywh(np.array([r[0] for r in gc]).reshape(-1,
                                                                       4))
            p_box = scalabel_xywh(np.array([r[0] for r in pc]).reshape(-1,
                                                                       4))
            dist = iou_distance(g_box, p_box)
            hids = np.array([r[2] for r in pc], dtype=np.int64)
            if len(ign):
                unmatched = np.ones(len(hids), dtype=bool)
                unmatched[bdd_mot.min_cost_matching(dist)[1]] = False
                inside = (intersection_over_area(p_box, ign) > 0.5).any(1)
                keep = ~(unmatched & inside)
                hids, dist = hids[keep], dist[:, keep]
            if dist.shape != (0, 0):
                accs[c].update(np.array([r[2] for r in gc], dtype=np.int64),
                               hids, dist)
    return accs


def test_vectorised_video_loop_is_bit_identical(tmp_path, monkeypatch):
    gt_dir, res_dir = _synthetic_bdd(str(tmp_path))
    gt_videos = bdd_mot._as_videos(gt_dir, False)
    aligned = bdd_mot.align_predictions(gt_videos,
                                        bdd_mot._as_videos(res_dir, False))
    calls, recording = [], [False]
    update = ClearMotAccumulator.update

    def recorded(self, oids, hids, dist):
        if recording[0]:
            calls.append((self, oids.copy(), hids.copy(), dist.copy()))
        return update(self, oids, hids, dist)

    monkeypatch.setattr(ClearMotAccumulator, 'update', recorded)
    totals = Counter()
    for name, gts in gt_videos.items():
        recording[0] = True
        ours = [a.summary() for a in bdd_mot.accumulate_video(
            gts, aligned[name])]
        recording[0] = False
        ref = [a.summary() for a in _per_class_reference(gts, aligned[name])]
        assert ours == ref  # dist_sum included: same float, same order
        for s in ours:
            totals.update({k: v for k, v in s.items() if k != 'dist_sum'})
    # the data exercise every rule
    assert min(totals[k] for k in ('FP', 'FN', 'IDSw', 'FM', 'MT', 'ML')
               ) > 0, totals
    # the accumulator against py-motmetrics 1.4.0 (the official toolkit's
    # scorer) fed the same frames: same counts, same MOTP
    import motmetrics as mm
    per_acc = {}
    for acc, oids, hids, dist in calls:
        if acc not in per_acc:
            per_acc[acc] = (acc, mm.MOTAccumulator(auto_id=True))
        per_acc[acc][1].update(oids, hids, dist)
    names = dict(FP='num_false_positives', FN='num_misses',
                 IDSw='num_switches', MT='mostly_tracked',
                 PT='partially_tracked', ML='mostly_lost',
                 FM='num_fragmentations', idtp='idtp',
                 num_detections='num_detections', num_objects='num_objects',
                 num_predictions='num_predictions')
    host = mm.metrics.create()
    assert len(per_acc) > 10
    for acc, mm_acc in per_acc.values():
        got = acc.summary()
        want = host.compute(mm_acc, metrics=list(names.values()) + ['motp'],
                            name='x').iloc[0]
        for ours_key, mm_key in names.items():
            assert got[ours_key] == want[mm_key], (ours_key, got, want)
        if got['num_detections']:
            assert got['dist_sum'] / got['num_detections'] == (
                pytest.approx(want['motp'], abs=1e-12))


def test_hota_files_are_those_json_dump_writes(cross_check, tmp_path):
    """compute_bdd100k_hota writes with json.dumps (C encoder): the same
    text json.dump gave."""
    import io as _io
    _, gt_dir, res_dir, _ = cross_check
    work = str(tmp_path / 'hota')
    compute_bdd100k_hota(gt_dir, res_dir, work_dir=work, progress=False)
    gt_videos = bdd_mot._as_videos(gt_dir, False)
    aligned = bdd_mot.align_predictions(gt_videos,
                                        bdd_mot._as_videos(res_dir, False))
    checked = 0
    for name, gts in gt_videos.items():
        ids = bdd_mot._gt_id_map(gts)
        for path, frames, id_of, is_gt in (
            (osp.join(work, 'gt'), gts,
             functools.partial(bdd_mot._mapped_id, ids=ids), True),
            (osp.join(work, 'trackers', 'qdtrack', 'data'), aligned[name],
             bdd_mot._pred_id, False),
        ):
            buf = _io.StringIO()
            json.dump(bdd_mot._trackeval_frames(frames, gts, id_of, is_gt),
                      buf)
            with open(osp.join(path, name + '.json')) as f:
                assert f.read() == buf.getvalue()
            checked += 1
    assert checked == 4
