"""tools/test.py end to end with SORT on a small toy benchmark."""
import json
import os.path as osp
import sys

import numpy as np
import pytest

from qdtrack.datasets.mot_files import read_mot_det, read_mot_results
from qdtrack.datasets.toy import generate_toy_benchmark
from qdtrack.evaluation.functional.mot_challenge import evaluate_mot_challenge
from qdtrack.models.trackers import SORTTracker

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import test as test_tool  # noqa: E402


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=3, num_train=1, num_val=2,
                           num_frames=24, progress=False)
    return str(root)


def _direct_sort(det_file, num_frames):
    """SORT over det.txt frame by frame, outside the runner."""
    dets = read_mot_det(det_file)
    tracker = SORTTracker(max_age=1, min_hits=3, iou_threshold=0.3)
    rows = []
    for frame in range(1, num_frames + 1):
        d = dets[dets[:, 0] == frame]
        boxes = np.concatenate([d[:, 2:4], d[:, 2:4] + d[:, 4:6]], axis=1)
        out = tracker.track(boxes, d[:, 6], frame_id=frame - 1)
        for box, score, tid in zip(out['bboxes'], out['scores'],
                                   out['ids']):
            rows.append([frame, tid + 1, box[0], box[1], box[2] - box[0],
                         box[3] - box[1], score])
    return np.array(rows).reshape(-1, 7)


def test_sort_through_test_tool_equals_direct_loop(toy, tmp_path):
    out_dir = tmp_path / 'results'
    metrics = test_tool.main([
        osp.join(ROOT, 'configs/sort/sort_public-det_toy.py'),
        '--work-dir', str(tmp_path / 'work'), '--out', str(out_dir),
        '--cfg-options', f'test_dataloader.dataset.data_root={toy}/',
        f'test_evaluator.gt_root={toy}/val',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    seqs = ['TOY-02', 'TOY-03']
    for seq in seqs:
        ours = read_mot_results(str(out_dir / f'{seq}.txt'))
        ref = _direct_sort(osp.join(toy, 'val', seq, 'det', 'det.txt'), 24)
        ref = ref[np.lexsort((ref[:, 1], ref[:, 0]))]
        assert len(ours) == len(ref) > 0
        np.testing.assert_array_equal(ours[:, :2], ref[:, :2])
        np.testing.assert_allclose(ours[:, 2:7], ref[:, 2:7], atol=1e-3)
    # The printed metrics are those of the written files.
    table = evaluate_mot_challenge(osp.join(toy, 'val'), str(out_dir),
                                   seq_names=seqs, progress=False)
    for key in ('HOTA', 'MOTA', 'IDF1', 'IDSW', 'FP', 'FN'):
        assert metrics[f'motchallenge/{key}'] == pytest.approx(
            table['COMBINED'][key])
    saved = json.loads((tmp_path / 'work' / 'test_metrics.json').read_text())
    assert saved['motchallenge/HOTA'] == pytest.approx(
        table['COMBINED']['HOTA'])
    assert 0 < table['COMBINED']['HOTA'] < 100


def test_format_only_writes_files_without_gt(toy, tmp_path):
    metrics = test_tool.main([
        osp.join(ROOT, 'configs/sort/sort_public-det_toy.py'),
        '--work-dir', str(tmp_path / 'work'), '--out',
        str(tmp_path / 'sub'), '--format-only', '--cfg-options',
        f'test_dataloader.dataset.data_root={toy}/',
        'test_evaluator.gt_root=/nonexistent',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    assert metrics == {}
    assert sorted(p.name for p in (tmp_path / 'sub').iterdir()) == [
        'TOY-02.txt', 'TOY-03.txt']
