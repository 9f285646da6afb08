"""tools/analysis/plot_results.py on real tracker output (motmetrics' TUD).

The identity switches of the timeline are checked against py-motmetrics:
the number pinned from motmetrics 1.4.0 in
tests/evaluation/reference_tud_motmetrics.md, and every SWITCH event of
motmetrics' own MOTAccumulator fed the same frame-wise distances.
"""
import importlib.util
import json
import os.path as osp
import shutil
import sys

import cv2
import numpy as np
import pytest

from qdtrack.evaluation.functional import identity_timeline
from qdtrack.evaluation.functional.bdd100k_mot import iou_distance
from qdtrack.evaluation.functional.id_switches import scored_gt_rows

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import plot_results  # noqa: E402

TUD = {'TUD-Campus': 71, 'TUD-Stadtmitte': 179}  # seqLength
# py-motmetrics 1.4.0 (tests/evaluation/reference_tud_motmetrics.md)
MM_SWITCHES = {'TUD-Campus': 7, 'TUD-Stadtmitte': 7}
MM_IDF1 = {'TUD-Campus': 55.7659208262, 'TUD-Stadtmitte': 64.4619422572}
MM_MOTA = {'TUD-Campus': 52.6462395543, 'TUD-Stadtmitte': 56.401384083}


def _mm():
    spec = importlib.util.find_spec('motmetrics')
    if spec is None:
        pytest.skip('motmetrics (test requirement) is not installed')
    import motmetrics
    return motmetrics


@pytest.fixture(scope='module')
def tud(tmp_path_factory):
    """MOT17-form gt (consider 1, class 1) and the shipped results."""
    data = osp.join(osp.dirname(_mm().__file__), 'data')
    root = tmp_path_factory.mktemp('tud')
    for seq, length in TUD.items():
        (root / 'gt' / seq / 'gt').mkdir(parents=True)
        (root / 'gt' / seq / 'seqinfo.ini').write_text(
            f'[Sequence]\nname={seq}\nimDir=img1\nframeRate=25\n'
            f'seqLength={length}\nimWidth=640\nimHeight=480\nimExt=.jpg\n')
        lines = open(osp.join(data, seq, 'gt.txt')).read().split()
        (root / 'gt' / seq / 'gt' / 'gt.txt').write_text(''.join(
            ','.join(line.split(',')[:6]) + ',1,1,1\n' for line in lines))
        (root / 'res').mkdir(exist_ok=True)
        shutil.copyfile(osp.join(data, seq, 'test.txt'),
                        root / 'res' / f'{seq}.txt')
    return root, data


def _motmetrics_switches(gt, res):
    """(frame, gt id, previous track, new track) of motmetrics' events."""
    mm = _mm()
    acc = mm.MOTAccumulator(auto_id=False)
    for f in np.union1d(gt[:, 0], res[:, 0]).astype(int):
        g, h = gt[gt[:, 0] == f], res[res[:, 0] == f]
        acc.update(g[:, 1].astype(int), h[:, 1].astype(int),
                   iou_distance(g[:, 2:6], h[:, 2:6]), frameid=f)
    last, out = {}, []
    for (frame, _), ev in acc.mot_events.iterrows():
        if ev.Type in ('MATCH', 'SWITCH'):
            oid, hid = int(ev.OId), int(ev.HId)
            if ev.Type == 'SWITCH':
                out.append((frame, oid, last[oid], hid))
            last[oid] = hid
    return out


def test_tool_on_tud(tud, tmp_path):
    root, data = tud
    other = tmp_path / 'other'
    other.mkdir()
    # a second tracker: track 2 of TUD-Campus (frames 38-71) renamed 99
    # from frame 50 on: one more switch, at 50
    rows = np.loadtxt(root / 'res' / 'TUD-Campus.txt', delimiter=',')
    late = (rows[:, 1] == 2) & (rows[:, 0] >= 50)
    rows[late, 1] = 99
    np.savetxt(other / 'TUD-Campus.txt', rows, delimiter=',', fmt='%g')
    shutil.copyfile(root / 'res' / 'TUD-Stadtmitte.txt',
                    other / 'TUD-Stadtmitte.txt')
    out = tmp_path / 'plots'
    summary = plot_results.main([
        str(root / 'res'), str(other), '--gt', str(root / 'gt'),
        '--labels', 'shipped', 'renamed', '--out-dir', str(out)
    ])
    shipped = summary['switches']['shipped']
    for seq in TUD:
        assert len(shipped[seq]) == MM_SWITCHES[seq]
        gt = np.loadtxt(osp.join(data, seq, 'gt.txt'), delimiter=',')
        res = np.loadtxt(osp.join(data, seq, 'test.txt'), delimiter=',')
        assert [(s['frame'], s['gt_id'], s['from_id'], s['to_id'])
                for s in shipped[seq]] == _motmetrics_switches(gt, res)
        m = summary['metrics']['shipped']
        assert m['IDF1'][seq] == pytest.approx(MM_IDF1[seq], abs=1e-6)
        assert m['MOTA'][seq] == pytest.approx(MM_MOTA[seq], abs=1e-6)
    renamed = summary['switches']['renamed']['TUD-Campus']
    added = [s for s in renamed if s['to_id'] == 99]
    assert len(added) == 1 and added[0]['frame'] == 50
    assert added[0]['from_id'] == 2
    assert len(renamed) == MM_SWITCHES['TUD-Campus'] + 1
    assert summary['switches']['renamed']['TUD-Stadtmitte'] == \
        shipped['TUD-Stadtmitte']
    for png in ('metrics.png', 'switches/TUD-Campus.png',
                'switches/TUD-Stadtmitte.png'):
        img = cv2.imread(str(out / png))
        assert img is not None and img.shape[0] > 200 and img.std() > 10
    on_disk = json.loads((out / 'plot_results.json').read_text())
    assert on_disk['switches'] == summary['switches']


def test_timeline_by_hand():
    """One pedestrian over 6 frames, tracked as 1 then as 2; a static
    person (class 7) and an ignored pedestrian (consider 0) are no
    objects."""
    box = [10, 10, 20, 40]
    gt = np.array([[f, 5, *box, 1, 1, 1] for f in range(1, 7)] +
                  [[1, 6, 100, 10, 20, 40, 1, 7, 1],
                   [1, 7, 200, 10, 20, 40, 0, 1, 1]], dtype=float)
    res = np.array([[f, 1 if f <= 3 else 2, *box] for f in range(1, 7)
                    if f != 5], dtype=float)
    tl = identity_timeline(scored_gt_rows(gt), res)
    assert [vars(s) for s in tl.switches] == [
        dict(frame=4, gt_id=5, from_id=1, to_id=2)]
    assert tl.coverage == {5: [(1, 1), (2, 1), (3, 1), (4, 2), (5, -1),
                               (6, 2)]}
    assert tl.num_frames == 6


def test_missing_results_named(tud, tmp_path):
    root, _ = tud
    with pytest.raises(FileNotFoundError, match='nowhere: results folder'):
        plot_results.main([str(tmp_path / 'nowhere'), '--gt',
                           str(root / 'gt')])
    with pytest.raises(ValueError, match='no sequence of'):
        plot_results.main([str(tmp_path), '--gt', str(root / 'gt')])
