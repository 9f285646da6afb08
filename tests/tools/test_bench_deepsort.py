"""tools/benchmarks/bench_deepsort.py: agreement measure, stream, trackers."""
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from qdtrack.models.trackers import DeepSORTTracker

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmarks'))
import bench_deepsort as bench  # noqa: E402

pytest.importorskip('motmetrics')  # mmdet's SORTTracker needs it


def test_id_agreement_hand_computed():
    # renaming only
    assert bench.id_agreement([1, 1, 2, 3], [9, 9, 4, 7]) == 1.0
    # co-occurrences (1,7)x2 (2,8) (2,9) (3,9): best one-to-one map keeps
    # 1->7, 2->8, 3->9: 4 of 5
    assert bench.id_agreement([1, 1, 2, 2, 3], [7, 7, 8, 9, 9]) == 0.8
    # one id of a merged into one of b: 2 of 4 at best
    assert bench.id_agreement([5, 5, 5, 5], [1, 1, 2, 2]) == 0.5
    assert np.isnan(bench.id_agreement([], []))
    with pytest.raises(ValueError, match='length'):
        bench.id_agreement([1, 2], [1])


def test_stream_shapes_and_identities():
    frames = bench.make_stream(num_objects=6, num_frames=30, dim=8, seed=1)
    assert len(frames) == 30
    for f in frames:
        n = len(f['gt'])
        assert f['bboxes'].shape == (n, 4) and f['embeds'].shape == (n, 8)
        assert (f['gt'] == -1).sum() == 2  # two false positives a frame
        assert len(set(f['gt'][f['gt'] >= 0])) == (f['gt'] >= 0).sum()
        torch.testing.assert_close(f['embeds'].norm(dim=1), torch.ones(n))
        assert (f['bboxes'][:, 2:] > f['bboxes'][:, :2]).all()


def test_aligned_settings_give_the_same_ids_on_a_clean_stream():
    frames = bench.make_stream(num_objects=8, num_frames=60, dim=16, seed=0)
    ms, agree = bench.bench(frames, bench.SETTINGS['aligned'], rounds=1,
                            dim=16)
    assert ms['ours'] > 0 and ms['mmdet'] > 0
    assert agree['pairs'] > 300
    assert agree['agreement'] == 1.0
    assert agree['ours_vs_truth'] == 1.0


def _frame(boxes, embeds):
    n = len(boxes)
    return dict(bboxes=torch.tensor(boxes, dtype=torch.float32),
                scores=torch.ones(n), labels=torch.zeros(n, dtype=torch.long),
                embeds=torch.tensor(embeds, dtype=torch.float32))


def test_cascade_prefers_the_recent_track_mmdet_the_nearest():
    """The documented difference: matching cascade vs one assignment.

    A and B are confirmed; B is missed in frame 3. In frame 4 one
    detection is inside both gates, 0.15 from A's embedding and 0.05 from
    B's (cosine distance). The cascade matches tracks missed for fewer
    frames first, so A takes it; mmdet's single Hungarian gives it to B.
    """
    a = [0.85, (1 - 0.85**2)**0.5, 0.0]
    b = [0.95, 0.0, (1 - 0.95**2)**0.5]
    box_a, box_b = [100., 100., 140., 200.], [110., 100., 150., 200.]
    frames = [_frame([box_a, box_b], [a, b])] * 3
    frames.append(_frame([box_a], [a]))
    frames.append(_frame([[105., 100., 145., 200.]], [[1.0, 0.0, 0.0]]))
    ours = DeepSORTTracker(output='detection',
                           **bench.SETTINGS['aligned']['ours'])
    _, ours_ids = bench.run('ours', ours, frames)
    mmdet, model = bench.build_mmdet(bench.SETTINGS['aligned']['mmdet'], 3)
    _, mmdet_ids = bench.run('mmdet', mmdet, frames, model)
    assert [i.tolist() for i in ours_ids] == [[-1, -1], [-1, -1], [0, 1],
                                              [0], [0]]
    assert [i.tolist() for i in mmdet_ids] == [[0, 1], [0, 1], [0, 1], [0],
                                               [1]]
