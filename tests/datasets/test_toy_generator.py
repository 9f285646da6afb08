"""Tests of the toy benchmark generator (qdtrack.datasets.toy)."""
import configparser
import importlib.util
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import trackeval
from pycocotools.coco import COCO

from qdtrack.datasets.toy import generate_toy_benchmark
from qdtrack.datasets.toy.appearance import (
    make_lookalike,
    pattern_mask,
    sample_appearance,
)
from qdtrack.datasets.toy.camera import NEAR_DEPTH, Camera
from qdtrack.datasets.toy.render import Layer, compose

REPO = Path(__file__).resolve().parents[2]
SMALL = dict(num_train=2, num_val=1, num_frames=40, progress=False)


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    summary = generate_toy_benchmark(root, seed=0, **SMALL)
    return root, summary


def _files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob('*')) if p.is_file()}


def _read_rows(path: Path, ncols: int) -> np.ndarray:
    rows = []
    for k, line in enumerate(path.read_text().splitlines(), start=1):
        vals = line.split(',')
        assert len(vals) == ncols, f'{path}:{k} has {len(vals)} columns'
        rows.append([float(v) for v in vals])
    return np.array(rows).reshape(-1, ncols)


def _seq_dirs(root: Path):
    for split in ('train', 'val'):
        for seq in sorted((root / split).iterdir()):
            yield split, seq


def _seqinfo(seq: Path) -> dict:
    ini = configparser.ConfigParser()
    ini.optionxform = str
    ini.read(seq / 'seqinfo.ini')
    return dict(ini['Sequence'])


# ---------------------------------------------------------------- helpers
def test_pattern_mask_hand_computed():
    # 1 cycle per 4-pixel unit: rows 0-1 primary, rows 2-3 secondary
    m = pattern_mask('hstripes', 1.0, 8, 3, unit=4)
    assert m[:, 0].tolist() == [False, False, True, True] * 2
    m = pattern_mask('checker', 1.0, 4, 4, unit=4)
    assert m.astype(int).tolist() == [[0, 0, 1, 1], [0, 0, 1, 1],
                                      [1, 1, 0, 0], [1, 1, 0, 0]]
    with pytest.raises(ValueError, match='unknown pattern'):
        pattern_mask('plaid', 1.0, 4, 4, unit=4)


def test_lookalikes_are_close_but_not_equal():
    rng = np.random.default_rng(3)
    near, far = [], []
    for _ in range(40):
        a, b = sample_appearance(rng), sample_appearance(rng)
        c = make_lookalike(rng, a)
        assert c.pattern == a.pattern and c.accent == a.accent
        assert c.primary != a.primary
        near.append(np.abs(np.subtract(c.primary, a.primary)).sum())
        far.append(np.abs(np.subtract(b.primary, a.primary)).sum())
    assert max(near) < 120
    assert np.median(near) < 0.5 * np.median(far)


def test_camera_projection():
    cam = Camera.create(320, 240, horizon_ratio=0.6)
    x0, y0, w, h = cam.project(0.0, NEAR_DEPTH, 0.5, 1.7)
    assert y0 + h == pytest.approx(240.0)  # feet on the bottom row
    assert h == pytest.approx(cam.focal * 1.7 / NEAR_DEPTH)
    assert x0 + w / 2 == pytest.approx(160.0)
    far = cam.project(0.0, 2 * NEAR_DEPTH, 0.5, 1.7)
    assert far[3] == pytest.approx(h / 2)  # twice as far, half as tall
    assert far[1] + far[3] == pytest.approx(144 + 0.5 * 96)


def test_compose_visibility_hand_computed():
    canvas = np.zeros((10, 10, 3), np.uint8)
    solid = np.ones((4, 4), bool)
    back = Layer('object', 0, 1, 2, 2, np.full((4, 4, 3), 100, np.uint8),
                 solid)
    front = Layer('object', 1, 1, 4, 4, np.full((4, 4, 3), 200, np.uint8),
                  solid)
    # half outside the image on the right: 2 of 4 columns inside
    edge = Layer('object', 2, 1, 8, 0, np.full((4, 4, 3), 50, np.uint8),
                 solid)
    ghost = Layer('reflection', 0, 1, 0, 0, np.full((2, 2, 3), 200, np.uint8),
                  np.ones((2, 2), bool), alpha=0.25)
    stats = compose(canvas, [ghost, back, front, edge])
    g, b, f, e = stats
    assert (b.total, b.in_image, b.visible) == (16, 16, 12)
    assert b.visibility == pytest.approx(0.75)
    assert b.occlusion == pytest.approx(0.25)
    assert (f.visible, f.visibility) == (16, 1.0)
    assert (e.total, e.in_image, e.visible) == (16, 8, 8)
    assert e.visibility == pytest.approx(0.5) and e.occlusion == 0.0
    assert e.clipped == (8, 0, 2, 4)
    assert g.visibility == 1.0
    assert canvas[0, 0, 0] == 50  # 0.25 * 200 blended over black
    assert canvas[3, 3, 0] == 100 and canvas[5, 5, 0] == 200


# ------------------------------------------------------------ determinism
def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    kw = dict(num_train=1, num_val=1, num_frames=6, progress=False)
    generate_toy_benchmark(tmp_path / 'a', seed=5, **kw)
    generate_toy_benchmark(tmp_path / 'b', seed=5, **kw)
    generate_toy_benchmark(tmp_path / 'c', seed=6, **kw)
    a, b, c = (_files(tmp_path / k) for k in 'abc')
    assert len(a) == 2 * (6 + 3) + 2
    assert a == b
    assert a.keys() == c.keys()
    differ = [k for k in a if a[k] != c[k]]
    assert 'train/TOY-01/img1/000001.jpg' in differ
    assert 'train/TOY-01/gt/gt.txt' in differ
    assert 'annotations/train_cocoformat.json' in differ
    # regenerating over an existing benchmark rewrites the same bytes
    generate_toy_benchmark(tmp_path / 'a', seed=5, **kw)
    assert _files(tmp_path / 'a') == b


def test_sequence_independent_of_split_sizes(tmp_path):
    kw = dict(seed=2, num_frames=4, progress=False)
    generate_toy_benchmark(tmp_path / 'a', num_train=1, num_val=0, **kw)
    generate_toy_benchmark(tmp_path / 'b', num_train=2, num_val=1, **kw)
    seq = 'train/TOY-01'
    fa, fb = _files(tmp_path / 'a'), _files(tmp_path / 'b')
    assert {k: v for k, v in fa.items() if k.startswith(seq)} == \
        {k: v for k, v in fb.items() if k.startswith(seq)}
    assert not (tmp_path / 'a' / 'val').exists()


# ----------------------------------------------------------- MOT17 files
def test_mot_layout(bench):
    root, summary = bench
    assert summary['sequences'] == {'train': ['TOY-01', 'TOY-02'],
                                    'val': ['TOY-03']}
    assert summary['frames'] == 120
    n_fp = n_hit = n_miss = 0
    classes = set()
    for _, seq in _seq_dirs(root):
        info = _seqinfo(seq)
        assert info == {'name': seq.name, 'imDir': 'img1', 'frameRate': '10',
                        'seqLength': '40', 'imWidth': '320',
                        'imHeight': '240', 'imExt': '.jpg'}
        imgs = sorted(os.listdir(seq / 'img1'))
        assert imgs == [f'{t:06d}.jpg' for t in range(1, 41)]
        for name in (imgs[0], imgs[-1]):
            img = cv2.imread(str(seq / 'img1' / name))
            assert img.shape == (240, 320, 3)
            assert img.std() > 20  # textured, not flat
        gt = _read_rows(seq / 'gt' / 'gt.txt', 9)
        assert np.all(gt[:, :8] == np.round(gt[:, :8]))
        assert gt[:, 0].min() >= 1 and gt[:, 0].max() <= 40
        assert gt[:, 1].min() == 1
        assert set(gt[:, 7].astype(int)) <= {1, 3, 4, 7, 12}
        assert 7 in gt[:, 7]  # every sequence has its statue
        classes |= set(gt[:, 7].astype(int))
        assert set(gt[:, 6]) <= {0, 1}
        assert np.all(gt[gt[:, 6] == 1, 7] == 1)  # only pedestrians count
        assert np.all(gt[np.isin(gt[:, 7], (7, 12)), 6] == 0)
        assert np.all((gt[:, 8] >= 0) & (gt[:, 8] <= 1))
        assert np.all((gt[:, 2] >= 0) & (gt[:, 3] >= 0) & (gt[:, 4] >= 1) &
                      (gt[:, 5] >= 1))
        assert np.all(gt[:, 2] + gt[:, 4] <= 320)
        assert np.all(gt[:, 3] + gt[:, 5] <= 240)
        # one row per (frame, id), ids keep their class
        keys = gt[:, 0] * 10000 + gt[:, 1]
        assert len(np.unique(keys)) == len(gt)
        for i in np.unique(gt[:, 1]):
            assert len(np.unique(gt[gt[:, 1] == i, 7])) == 1
        det = _read_rows(seq / 'det' / 'det.txt', 10)
        assert np.all(det[:, 1] == -1) and np.all(det[:, 7:] == -1)
        assert det[:, 0].min() >= 1 and det[:, 0].max() <= 40
        assert np.all((det[:, 6] > 0) & (det[:, 6] < 1))
        assert np.all((det[:, 2] >= 0) & (det[:, 2] + det[:, 4] <= 320.01))
        # most considered pedestrians are detected, some are missed
        hits = []
        for row in gt[gt[:, 6] == 1]:
            same = det[det[:, 0] == row[0]]
            hits.append(len(same) > 0 and
                        _iou(row[2:6], same[:, 2:6]).max() >= 0.5)
        n_hit += sum(hits)
        n_miss += len(hits) - sum(hits)
        # false positives: detections that match no gt row at all
        for row in det:
            same = gt[gt[:, 0] == row[0]]
            if len(same) == 0 or _iou(row[2:6], same[:, 2:6]).max() < 0.3:
                n_fp += 1
    assert classes == {1, 3, 4, 7, 12}
    assert 0 < n_miss < 0.3 * n_hit
    assert n_fp > 0


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[0] + box[2], boxes[:, 0] + boxes[:, 2])
    y1 = np.minimum(box[1] + box[3], boxes[:, 1] + boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    return inter / (box[2] * box[3] + boxes[:, 2] * boxes[:, 3] - inter)


# ------------------------------------------------------------ CocoVID JSON
def test_cocovid_json(bench):
    root, summary = bench
    for split, seqs in (('train', ['TOY-01', 'TOY-02']), ('val', ['TOY-03'])):
        path = root / 'annotations' / f'{split}_cocoformat.json'
        raw = json.loads(path.read_text())
        assert path.read_text() == json.dumps(
            raw, sort_keys=True, separators=(',', ':')) + '\n'
        coco = COCO(str(path))
        assert raw['categories'] == [{'id': 1, 'name': 'pedestrian'},
                                     {'id': 2, 'name': 'car'},
                                     {'id': 3, 'name': 'bicycle'}]
        assert [v['name'] for v in raw['videos']] == seqs
        assert [v['id'] for v in raw['videos']] == list(
            range(1, len(seqs) + 1))
        assert [im['id'] for im in raw['images']] == list(
            range(1, 40 * len(seqs) + 1))
        for v in raw['videos']:
            frames = [im for im in raw['images'] if im['video_id'] == v['id']]
            assert [im['frame_id'] for im in frames] == list(range(40))
            assert [im['mot_frame_id'] for im in frames] == list(
                range(1, 41))
            assert frames[4]['file_name'] == \
                f'{split}/{v["name"]}/img1/000005.jpg'
        for im in raw['images']:
            assert (root / im['file_name']).is_file()
        assert [a['id'] for a in raw['annotations']] == list(
            range(1, len(raw['annotations']) + 1))
        assert len(coco.getAnnIds()) == len(raw['annotations'])
        # ignore regions come last: static persons, reflections and
        # consider-0 pedestrians of gt.txt, as pedestrian crowd boxes
        ignores = [a for a in raw['annotations'] if a['ignore']]
        anns = [a for a in raw['annotations'] if not a['ignore']]
        assert raw['annotations'] == anns + ignores
        assert summary['splits'][split]['ignore_regions'] == len(ignores)
        assert [a['instance_id'] for a in ignores] == list(
            range(-1, -len(ignores) - 1, -1))
        assert all(a['iscrowd'] == 1 and a['category_id'] == 1 for a in
                   ignores)
        frame_of = {im['id']: im['mot_frame_id'] for im in raw['images']}
        name_of = {v['id']: v['name'] for v in raw['videos']}
        video_of = {im['id']: im['video_id'] for im in raw['images']}
        want = []
        for seq in seqs:
            gt = _read_rows(root / split / seq / 'gt' / 'gt.txt', 9)
            keep = np.isin(gt[:, 7], (7, 12)) | ((gt[:, 7] == 1) &
                                                 (gt[:, 6] == 0))
            want += [(seq, *r) for r in gt[keep][:, [0, 2, 3, 4, 5, 7]]
                     .tolist()]
        got = [(name_of[video_of[a['image_id']]], frame_of[a['image_id']],
                *a['bbox'], a['mot_class']) for a in ignores]
        assert sorted(got) == sorted(want) and len(got) > 0
        inst = np.array([a['instance_id'] for a in anns])
        assert np.unique(inst).tolist() == list(range(1, inst.max() + 1))
        assert sum(summary['splits'][split]['identities'].values()) == \
            inst.max()
        video_of = {im['id']: im['video_id'] for im in raw['images']}
        for i in np.unique(inst):
            vids = {video_of[a['image_id']] for a in anns
                    if a['instance_id'] == i}
            assert len(vids) == 1  # ids are unique across the split
        for a in anns:
            x, y, w, h = a['bbox']
            assert a['area'] == w * h and w >= 1 and h >= 1
            assert x >= 0 and y >= 0 and x + w <= 320 and y + h <= 240
            assert a['category_id'] in (1, 2, 3)
            assert 0.1 <= a['visibility'] <= 1
            assert a['iscrowd'] == 0 and a['ignore'] == 0
        # one annotation per instance and image
        pairs = {(a['image_id'], a['instance_id']) for a in anns}
        assert len(pairs) == len(anns)
        assert summary['splits'][split]['annotations'] == len(anns)
        # every annotation is a visible gt.txt row of a real object, with
        # the same box; local gt ids map to instance ids one-to-one
        name_of = {v['id']: v['name'] for v in raw['videos']}
        frame_of = {im['id']: im['mot_frame_id'] for im in raw['images']}
        mapping = {}
        gts = {s: _read_rows(root / split / s / 'gt' / 'gt.txt', 9)
               for s in seqs}
        for a in anns:
            seq = name_of[video_of[a['image_id']]]
            gt = gts[seq]
            rows = gt[(gt[:, 0] == frame_of[a['image_id']]) &
                      np.all(gt[:, 2:6] == a['bbox'], axis=1)]
            assert len(rows) >= 1
            row = rows[0]
            assert {1: 1, 3: 2, 4: 3}[int(row[7])] == a['category_id']
            assert row[8] == pytest.approx(a['visibility'])
            key = (seq, int(row[1]))
            assert mapping.setdefault(key, a['instance_id']) == \
                a['instance_id']
        assert len(set(mapping.values())) == len(mapping)


# ---------------------------------------------------------------- TrackEval
def _evaluate(gt_folder: Path, trackers: Path, seqs: list) -> dict:
    evaluator = trackeval.Evaluator({
        'USE_PARALLEL': False, 'PRINT_RESULTS': False, 'PRINT_CONFIG': False,
        'TIME_PROGRESS': False, 'OUTPUT_SUMMARY': False,
        'OUTPUT_DETAILED': False, 'PLOT_CURVES': False,
        'DISPLAY_LESS_PROGRESS': True})
    dataset = trackeval.datasets.MotChallenge2DBox({
        'GT_FOLDER': str(gt_folder), 'TRACKERS_FOLDER': str(trackers),
        'SEQ_INFO': {s: None for s in seqs}, 'SKIP_SPLIT_FOL': True,
        'TRACKERS_TO_EVAL': ['oracle'], 'BENCHMARK': 'MOT17',
        'PRINT_CONFIG': False})
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(),
               trackeval.metrics.Identity()]
    res, _ = evaluator.evaluate([dataset], metrics)
    r = res['MotChallenge2DBox']['oracle']['COMBINED_SEQ']['pedestrian']
    return {'HOTA': float(r['HOTA']['HOTA'].mean()),
            'MOTA': float(r['CLEAR']['MOTA']),
            'IDF1': float(r['Identity']['IDF1']),
            'IDSW': int(r['CLEAR']['IDSW'])}


def _write_oracle(root: Path, split: str, out: Path, swap: bool = False,
                  distractors: bool = False) -> list:
    """Tracker files made from the CocoVID pedestrians (+ distractors)."""
    raw = json.loads(
        (root / 'annotations' / f'{split}_cocoformat.json').read_text())
    out.mkdir(parents=True, exist_ok=True)
    names = {v['id']: v['name'] for v in raw['videos']}
    images = {im['id']: im for im in raw['images']}
    rows = {n: [] for n in names.values()}
    for a in raw['annotations']:
        if a['category_id'] != 1 or a['ignore']:
            continue
        im = images[a['image_id']]
        rows[names[im['video_id']]].append(
            [im['mot_frame_id'], a['instance_id']] + a['bbox'])
    first = names[1]
    if swap:  # relabel the second half of one identity's track
        ids = [r[1] for r in rows[first]]
        target = max(set(ids), key=ids.count)
        frames = sorted(r[0] for r in rows[first] if r[1] == target)
        for r in rows[first]:
            if r[1] == target and r[0] > frames[len(frames) // 2]:
                r[1] = 100000
    if distractors:
        gt = _read_rows(root / split / first / 'gt' / 'gt.txt', 9)
        for g in gt[np.isin(gt[:, 7], (7, 12))]:
            rows[first].append([int(g[0]), 200000 + int(g[1])] +
                               g[2:6].tolist())
    for name, rs in rows.items():
        with open(out / f'{name}.txt', 'w') as f:
            for fr, i, x, y, w, h in sorted(rs):
                f.write(f'{fr},{i},{x},{y},{w},{h},1,-1,-1,-1\n')
    return list(names.values())


@pytest.mark.parametrize('split', ['train', 'val'])
def test_trackeval_oracle_is_perfect(bench, tmp_path, split):
    root, _ = bench
    trk = tmp_path / 'trackers'
    seqs = _write_oracle(root, split, trk / 'oracle' / 'data',
                         distractors=True)
    res = _evaluate(root / split, trk, seqs)
    assert res == {'HOTA': 1.0, 'MOTA': 1.0, 'IDF1': 1.0, 'IDSW': 0}


def test_trackeval_detects_identity_swap(bench, tmp_path):
    root, _ = bench
    trk = tmp_path / 'trackers'
    seqs = _write_oracle(root, 'train', trk / 'oracle' / 'data', swap=True)
    res = _evaluate(root / 'train', trk, seqs)
    assert res['IDSW'] == 1
    assert res['MOTA'] < 1.0 and res['IDF1'] < 1.0 and res['HOTA'] < 1.0


# ------------------------------------------------ what makes it a benchmark
def test_occlusions_and_reentries_exist(bench):
    root, summary = bench
    occluded_inside = longest_hidden = reentries = 0
    for _, seq in _seq_dirs(root):
        gt = _read_rows(seq / 'gt' / 'gt.txt', 9)
        peds = gt[gt[:, 7] == 1]
        # low visibility although the box is not cut by the image border
        inside = (peds[:, 2] > 0) & (peds[:, 3] > 0) & \
            (peds[:, 2] + peds[:, 4] < 320) & (peds[:, 3] + peds[:, 5] < 240)
        occluded_inside += int(np.sum(inside & (peds[:, 8] < 0.5)))
        # hidden (visibility < 0.1) inside the image, frames in a row
        for i in np.unique(peds[:, 1]):
            run, last = 0, -1
            for row in peds[peds[:, 1] == i]:
                hidden = row[8] < 0.1 and row[2] > 0 and \
                    row[2] + row[4] < 320
                run = run + 1 if hidden and row[0] == last + 1 else \
                    int(hidden)
                last = row[0]
                longest_hidden = max(longest_hidden, run)
        for i in np.unique(gt[np.isin(gt[:, 7], (1, 3, 4)), 1]):
            frames = np.sort(gt[gt[:, 1] == i, 0])
            reentries += int(np.sum(np.diff(frames) > 1))
    assert occluded_inside > 0
    assert longest_hidden >= 3
    assert reentries > 0
    stats = [summary['splits'][s] for s in ('train', 'val')]
    assert sum(s['re_entries'] for s in stats) == reentries
    assert sum(s['hidden_spells'] for s in stats) > 0
    assert sum(s['hidden_frames'] for s in stats) > sum(
        s['hidden_spells'] for s in stats)  # some last several frames
    # several classes with different shapes
    ann = [a for split in ('train', 'val') for a in json.loads(
        (root / 'annotations' / f'{split}_cocoformat.json').read_text())[
            'annotations'] if not a['ignore']]
    whole = [a for a in ann if a['bbox'][0] > 0 and a['bbox'][1] > 0 and
             a['bbox'][0] + a['bbox'][2] < 320 and
             a['bbox'][1] + a['bbox'][3] < 240]
    aspect = {c: np.median([a['bbox'][2] / a['bbox'][3] for a in whole
                            if a['category_id'] == c]) for c in (1, 2, 3)}
    assert aspect[1] < 0.5 < aspect[3] < 1.5 < aspect[2]


def test_scale_knob(tmp_path):
    s = generate_toy_benchmark(tmp_path, num_train=1, num_val=1,
                               num_frames=3, width=100, height=80, scale=2,
                               progress=False)
    assert s['sequences'] == {'train': ['TOY-01', 'TOY-02'],
                              'val': ['TOY-03', 'TOY-04']}
    assert s['frames'] == 24
    img = cv2.imread(str(tmp_path / 'val' / 'TOY-04' / 'img1' /
                         '000006.jpg'))
    assert img.shape == (160, 200, 3)


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match='scale'):
        generate_toy_benchmark(tmp_path, scale=0, progress=False)
    with pytest.raises(ValueError, match='num_frames'):
        generate_toy_benchmark(tmp_path, num_frames=0, progress=False)
    stale = tmp_path / 'train' / 'TOY-09'
    stale.mkdir(parents=True)
    with pytest.raises(FileExistsError, match='TOY-09'):
        generate_toy_benchmark(tmp_path, num_train=1, num_val=0,
                               num_frames=2, progress=False)
    stale.rmdir()
    generate_toy_benchmark(tmp_path, num_train=1, num_val=0, num_frames=3,
                           progress=False)
    with pytest.raises(FileExistsError, match='000003.jpg'):
        generate_toy_benchmark(tmp_path, num_train=1, num_val=0,
                               num_frames=2, progress=False)


def test_cli(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'generate_toy', REPO / 'tools' / 'generate_toy.py')
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    summary = cli.main([str(tmp_path / 'toy'), '--seed', '1', '--num-train',
                        '1', '--num-val', '1', '--num-frames', '2',
                        '--width', '96', '--height', '64', '--no-progress'])
    out = json.loads(capsys.readouterr().out)
    assert out == json.loads(json.dumps(summary))
    assert out['frames'] == 4
    img = cv2.imread(str(tmp_path / 'toy' / 'val' / 'TOY-02' / 'img1' /
                         '000002.jpg'))
    assert img.shape == (64, 96, 3)


def test_cli_refuses_to_overwrite_without_flag(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'generate_toy', REPO / 'tools' / 'generate_toy.py')
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    ann = tmp_path / 'annotations' / 'train_cocoformat.json'
    ann.parent.mkdir()
    ann.write_text('{"mine": true}')
    argv = [str(tmp_path), '--num-train', '1', '--num-val', '0',
            '--num-frames', '2', '--width', '64', '--height', '48',
            '--no-progress']
    with pytest.raises(FileExistsError,
                       match=r'would overwrite .*train_cocoformat\.json; '
                       r'choose an empty folder or pass --overwrite'):
        cli.main(argv)
    assert ann.read_text() == '{"mine": true}'  # untouched
    assert not (tmp_path / 'train').exists()  # nothing written
    cli.main(argv + ['--overwrite'])
    assert json.loads(ann.read_text())['videos'][0]['name'] == 'TOY-01'
