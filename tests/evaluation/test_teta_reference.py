"""TETA equals the authors' implementation (SysCV/tet, ``teta/``).

Cases: hand-made ones (id swaps, a wrong class, shifted boxes, a duplicate,
a track drifting into labelled frames without boxes, far predictions with
federated lists, a box inside two clusters) and the generated toy benchmark
exported as TAO (every second frame labelled, some labelled frames without
boxes) with a tracker output derived from its ground truth.

``REFERENCE`` holds the authors' numbers on these inputs (TAO protocol,
``exhaustive=False``, 300 boxes per image), produced by::

    git clone https://github.com/SysCV/tet /tmp/tet  # commit a62a9c0
    bash tools/benchmarks/teta_reference.sh /tmp/tet /tmp/teta_ref_venv
    PYTHONPATH=. python tests/evaluation/test_teta_reference.py /tmp/teta_x
    for gt in /tmp/teta_x/*_gt.json; do
        /tmp/teta_ref_venv/bin/python \\
            tools/benchmarks/teta_reference_run.py \\
            "$gt" "${gt%_gt.json}_results.json" "${gt%_gt.json}_ref.json"
    done

(numpy 2.4.6, scipy 1.17.1, Python 3.11.7; the ``combined`` and
``per_class`` rows of each ``*_ref.json``). The authors evaluate only the
frames holding boxes, our default (``skip_empty_frames=True``);
``test_drift_case_differs_when_empty_frames_count`` shows the option that
counts them. ``test_matches_reference_live`` repeats the run when the
reference environment exists ($QDTRACK_TETA_REF_VENV, else
~/.cache/qdtrack/teta-ref-venv, made by the script above); skipped
otherwise.
"""
import copy
import json
import os
import os.path as osp
import random
import subprocess
import sys

import pytest

from qdtrack.datasets.tao import cocovid_to_tao
from qdtrack.evaluation.functional.teta import teta
from qdtrack.utils.io import atomic_write_json

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIELDS = ('TETA', 'LocA', 'AssocA', 'ClsA', 'LocRe', 'LocPr', 'AssocRe',
          'AssocPr', 'ClsRe', 'ClsPr')
A = [0.0, 0.0, 10.0, 10.0]
B = [50.0, 50.0, 10.0, 10.0]
FAR = [200.0, 200.0, 10.0, 10.0]
SHORT = [0.0, 0.0, 10.0, 6.2]
CATS = [dict(id=1, name='pedestrian'), dict(id=2, name='car'),
        dict(id=3, name='bicycle')]


# ------------------------------------------------------------------ inputs
def _cocovid(videos):
    """CocoVID from ``[(name, frames, federated)]``; ``frames`` lists per
    frame ``(instance_id, category, box)``."""
    out = dict(categories=copy.deepcopy(CATS), videos=[], images=[],
               annotations=[])
    for v, (name, frames, federated) in enumerate(videos, start=1):
        out['videos'].append(dict(id=v, name=name, width=320, height=240,
                                  **federated))
        for t, boxes in enumerate(frames):
            img_id = len(out['images']) + 1
            out['images'].append(dict(id=img_id, video_id=v, frame_id=t,
                                      file_name=f'{name}/{t:06d}.jpg',
                                      width=320, height=240))
            for iid, cat, box in boxes:
                out['annotations'].append(dict(
                    id=len(out['annotations']) + 1, image_id=img_id,
                    category_id=cat, instance_id=iid, bbox=list(box),
                    area=box[2] * box[3]))
    return out


def _results(per_video, score=0.9):
    """Results from per-video frame lists of ``(track, category, box)``."""
    out, img_id = [], 0
    for video_id, frames in enumerate(per_video, start=1):
        for boxes in frames:
            img_id += 1
            for tid, cat, box in boxes:
                out.append(dict(image_id=img_id, video_id=video_id,
                                category_id=cat, track_id=tid,
                                bbox=list(box), score=score))
    return out


def hand_cases():
    """name -> (TAO ground truth, results)."""
    two = [('v1', [[(1, 1, A), (2, 1, B)]] * 4, {})]
    cases = {
        'swap': (two, [[[(1, 1, A), (2, 1, B)]] * 2 +
                       [[(2, 1, A), (1, 1, B)]] * 2]),
        'wrong_class': ([('v1', [[(1, 1, A), (2, 2, B)]] * 4, {})],
                        [[[(1, 1, A), (2, 1, B)]] * 4]),
        'shifted': (two, [[[(1, 1, SHORT), (2, 1, [50, 50, 10, 6.2])]] *
                          4]),
        'duplicate': ([('v1', [[(1, 1, A)]], {})],
                      [[[(1, 1, A), (2, 1, SHORT)]]]),
        'drift': ([('v1', [[(1, 1, A)]] * 2 + [[]] * 2 +
                    [[(1, 1, A)]], {})],
                  [[[(1, 1, A)]] * 2 + [[(1, 1, FAR)]] * 2 +
                   [[(1, 1, A)]]]),
        'federated': ([
            ('v1', [[(1, 1, A)]] * 2, dict(not_exhaustive_category_ids=[1])),
            ('v2', [[(2, 1, A), (3, 2, B)]] * 2, dict(neg_category_ids=[3])),
        ], [[[(1, 1, A), (9, 1, FAR)], [(1, 1, A)]],
            [[(2, 1, A), (3, 2, B), (9, 1, FAR), (8, 3, FAR)],
             [(2, 1, A), (3, 2, SHORT)]]]),
        'two_clusters': ([('v1', [[(1, 1, SHORT), (2, 2, A)]] * 2, {})],
                         [[[(1, 1, A), (2, 1, SHORT)],
                           [(1, 2, A), (2, 1, SHORT)]]]),
    }
    return {name: (cocovid_to_tao(_cocovid(gt)), _results(res))
            for name, (gt, res) in cases.items()}


def toy_case(root):
    """The toy benchmark as TAO (ground truth, results)."""
    from qdtrack.datasets.toy import generate_toy_benchmark
    from qdtrack.datasets.toy.export_tao import export_cocovid_as_tao
    summary = generate_toy_benchmark(
        osp.join(root, 'toy'), seed=3, num_train=0, num_val=2,
        num_frames=16, progress=False)
    with open(summary['paths']['val_ann']) as f:
        coco = json.load(f)
    # TAO labels about one frame in 30: keep every second frame; frames
    # 4 and 12 of each video are labelled but hold no box
    keep = {img['id']: img for img in coco['images']
            if img['frame_id'] % 2 == 0}
    blank = {i for i, img in keep.items() if img['frame_id'] in (4, 12)}
    original = [a for a in coco['annotations'] if a['image_id'] in keep
                and not a.get('ignore', 0)]
    coco['images'] = sorted(keep.values(), key=lambda i: i['id'])
    for img in coco['images']:
        img['frame_id'] //= 2
    coco['annotations'] = [a for a in original if a['image_id'] not in blank]
    gt = export_cocovid_as_tao(coco)
    video_of = {img['id']: img['video_id'] for img in coco['images']}
    frame_of = {img['id']: img['frame_id'] for img in coco['images']}
    rng = random.Random(11)
    results = []
    for ann in original:  # predictions continue into the blank frames
        if rng.random() < 0.1:
            continue  # missed
        x, y, w, h = ann['bbox']
        jit = [x + (rng.random() - 0.5) * 0.3 * w,
               y + (rng.random() - 0.5) * 0.3 * h, w, h]
        track = ann['instance_id']
        if track in (2, 3) and frame_of[ann['image_id']] >= 4:
            track = 5 - track  # identities 2 and 3 swap half-way
        cat = ann['category_id']
        if rng.random() < 0.08:
            cat = cat % 3 + 1  # wrong class
        results.append(dict(image_id=ann['image_id'],
                            video_id=video_of[ann['image_id']],
                            category_id=cat, track_id=track, bbox=jit,
                            score=round(0.5 + 0.5 * rng.random(), 4)))
        if rng.random() < 0.1:  # a duplicate inside the cluster
            results.append(dict(results[-1], track_id=1000 + ann['id'],
                                bbox=[x + 0.2 * w, y, w, h], score=0.3))
        if rng.random() < 0.05:  # a far box
            results.append(dict(results[-1], track_id=2000 + ann['id'],
                                bbox=[1.0, 1.0, 8.0, 8.0], score=0.2))
    # one prediction per track and image (TAO's rule)
    seen, unique = set(), []
    for rec in results:
        key = (rec['image_id'], rec['track_id'])
        if key not in seen:
            seen.add(key)
            unique.append(rec)
    return gt, unique


def write_reference_inputs(root):
    """Write ``<name>_gt.json`` and ``<name>_results.json`` of every case.

    Returns:
        dict: name -> (gt path, results path).
    """
    os.makedirs(root, exist_ok=True)
    cases = hand_cases()
    cases['toy'] = toy_case(root)
    paths = {}
    for name, (gt, res) in cases.items():
        gt_path = osp.join(root, f'{name}_gt.json')
        res_path = osp.join(root, f'{name}_results.json')
        atomic_write_json(gt_path, gt)
        atomic_write_json(res_path, res)
        paths[name] = (gt_path, res_path)
    return paths


# ------------------------------------------------------- pinned reference
# The authors' numbers (recipe in the module docstring): per case, the
# class average and the per-class rows, fields as in FIELDS.
REFERENCE = {
    'swap': dict(
        combined=[77.77777777777779, 100.0, 33.33333333333333, 100.0, 100.0,
            100.0, 50.0, 50.0, 100.0, 100.0],
        per_class={
            'pedestrian': [77.77777777777779, 100.0, 33.33333333333333, 100.0,
                100.0, 100.0, 50.0, 50.0, 100.0, 100.0],
        }),
    'wrong_class': dict(
        combined=[75.0, 100.0, 100.0, 25.0, 100.0, 100.0, 100.0, 100.0, 50.0,
            25.0],
        per_class={
            'car': [66.66666666666666, 100.0, 100.0, 0.0, 100.0, 100.0, 100.0,
                100.0, 0.0, 0.0],
            'pedestrian': [83.33333333333334, 100.0, 100.0, 50.0, 100.0, 100.0,
                100.0, 100.0, 100.0, 50.0],
        }),
    'shifted': dict(
        combined=[53.33333333333332, 65.0, 65.0, 30.0, 65.0, 65.0, 65.0, 65.0,
            30.0, 30.0],
        per_class={
            'pedestrian': [53.33333333333332, 65.0, 65.0, 30.0, 65.0, 65.0,
                65.0, 65.0, 30.0, 30.0],
        }),
    'duplicate': dict(
        combined=[83.33333333333334, 50.0, 100.0, 100.0, 100.0, 50.0, 100.0,
            100.0, 100.0, 100.0],
        per_class={
            'pedestrian': [83.33333333333334, 50.0, 100.0, 100.0, 100.0, 50.0,
                100.0, 100.0, 100.0, 100.0],
        }),
    'drift': dict(
        combined=[100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0,
            100.0, 100.0],
        per_class={
            'pedestrian': [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0,
                100.0, 100.0, 100.0],
        }),
    'federated': dict(
        combined=[78.19444444444443, 66.25000000000001, 68.33333333333333,
            100.0, 76.25, 89.99999999999999, 76.25, 76.25, 100.0, 100.0],
        per_class={
            'car': [63.05555555555553, 52.5, 36.66666666666666, 100.0, 52.5,
                100.0, 52.5, 52.5, 100.0, 100.0],
            'pedestrian': [93.33333333333333, 80.00000000000001, 100.0, 100.0,
                100.0, 80.00000000000001, 100.0, 100.0, 100.0, 100.0],
        }),
    'two_clusters': dict(
        combined=[86.1111111111111, 100.0, 100.0, 58.333333333333336, 100.0,
            100.0, 100.0, 100.0, 75.0, 83.33333333333334],
        per_class={
            'car': [83.33333333333334, 100.0, 100.0, 50.0, 100.0, 100.0, 100.0,
                100.0, 50.0, 100.0],
            'pedestrian': [88.8888888888889, 100.0, 100.0, 66.66666666666667,
                100.0, 100.0, 100.0, 100.0, 100.0, 66.66666666666667],
        }),
    'toy': dict(
        combined=[73.14830044405582, 63.485147146062694, 68.1936605724626,
            87.76609361364214, 72.74193548387098, 69.15083632019116,
            72.95824543842119, 75.3259184775219, 90.43503201420332,
            90.65788844993335],
        per_class={
            'bicycle': [72.5276208313727, 57.71428717939919, 68.01765716968315,
                91.85091814503579, 75.00000000000001, 62.02777777777778,
                74.01960793257277, 74.7935694967642, 91.85091814503579, 100.0],
            'car': [71.9699661363748, 69.03543953466553, 69.6926406926407,
                77.18181818181817, 72.5, 72.5, 73.15972222222221,
                73.15972222222221, 80.0, 77.18181818181817],
            'pedestrian': [74.94731436441995, 63.70571472412333,
                66.870683855064, 94.26554451407249, 70.72580645161291,
                72.9247311827957, 71.69540616046855, 78.02446371357925,
                99.45417789757413, 94.7918471679819],
        }),
}


@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
    return write_reference_inputs(str(tmp_path_factory.mktemp('teta_ref')))


def _ours(gt_path, res_path, **kwargs):
    out = teta(gt_path, res_path, progress=False, **kwargs)
    return dict(combined=[out[k] for k in FIELDS],
                per_class={name: [row[k] for k in FIELDS]
                           for name, row in out['per_class'].items()})


def _assert_same(ours, ref):
    assert set(ours['per_class']) == set(ref['per_class'])
    rows = [('combined', ours['combined'], ref['combined'])]
    rows += [(name, ours['per_class'][name], ref['per_class'][name])
             for name in ref['per_class']]
    for name, got, want in rows:
        assert got == pytest.approx(want, abs=1e-9), (name, got, want)


@pytest.mark.parametrize('name', ['swap', 'wrong_class', 'shifted',
                                  'duplicate', 'drift', 'federated',
                                  'two_clusters', 'toy'])
def test_matches_pinned_reference(inputs, name):
    _assert_same(_ours(*inputs[name]), REFERENCE[name])


def test_drift_case_differs_when_empty_frames_count(inputs):
    ours = _ours(*inputs['drift'], skip_empty_frames=False)
    ref = REFERENCE['drift']
    # the far boxes in the two frames without labels are association FPs
    assert ours['combined'][2] == pytest.approx(3 / 5 * 100)
    assert ref['combined'][2] == pytest.approx(100.0)


def _reference_env():
    venv = os.environ.get('QDTRACK_TETA_REF_VENV', osp.expanduser(
        '~/.cache/qdtrack/teta-ref-venv'))
    return osp.join(venv, 'bin', 'python')


def read_reference(path):
    with open(path) as f:
        raw = json.load(f)
    return dict(combined=[raw['combined'][k] for k in FIELDS],
                per_class={name: [row[k] for k in FIELDS]
                           for name, row in raw['per_class'].items()})


@pytest.mark.skipif(not osp.isfile(_reference_env()),
                    reason='TETA reference environment not installed '
                    '(tools/benchmarks/teta_reference.sh)')
def test_matches_reference_live(inputs, tmp_path):
    for name, (gt, res) in inputs.items():
        out = str(tmp_path / f'{name}_ref.json')
        subprocess.run(
            [_reference_env(),
             osp.join(ROOT, 'tools', 'benchmarks', 'teta_reference_run.py'),
             gt, res, out], check=True, capture_output=True)
        _assert_same(_ours(gt, res), read_reference(out))


if __name__ == '__main__':
    for case, (gt, res) in write_reference_inputs(sys.argv[1]).items():
        print(case, gt, res)
