"""tools/analysis/embedding_separation.py on a tiny toy split.

QDTrack with random weights in given-observation mode embeds the det.txt
boxes; the tool must pair every frame's boxes with the right ground-truth
frame (1-based numbers, video names, original image coordinates), which
the link count checks against det.txt and gt.txt read directly.
"""
import json
import os.path as osp
import sys

import numpy as np
import pytest

from qdtrack.datasets.mot_files import read_mot_det, read_mot_gt
from qdtrack.evaluation.functional.embedding_separation import match_ids
from qdtrack.evaluation.functional.id_switches import scored_gt_rows

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import embedding_separation as tool  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/qdtrack/qdtrack_given-det_toy.py')


def _links(root):
    """Consecutive-frame links of matched det.txt boxes, counted directly."""
    links = boxes = 0
    for seq in ('TOY-02', 'TOY-03'):
        gt = scored_gt_rows(read_mot_gt(f'{root}/val/{seq}/gt/gt.txt'))
        det = read_mot_det(f'{root}/val/{seq}/det/det.txt')
        prev = None
        for frame in range(1, 13):
            d = det[det[:, 0] == frame, 2:6]
            ids = match_ids(np.concatenate([d[:, :2], d[:, :2] + d[:, 2:]],
                                           1), gt[gt[:, 0] == frame])
            boxes += len(d)
            if prev is not None:
                links += len(set(ids[ids >= 0]) & set(prev[prev >= 0]))
            prev = ids
    return links, boxes


def test_tool_links_frames_to_ground_truth(tiny_toy, tmp_path):
    out = tmp_path / 'sep.json'
    result = tool.main([
        CONFIG, '--random-weights', '--work-dir', str(tmp_path), '--out',
        str(out), '--cfg-options',
        f'test_dataloader.dataset.data_root={tiny_toy}/',
        f'test_evaluator.gt_root={tiny_toy}/val',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    links, boxes = _links(tiny_toy)
    assert links > 10
    assert result['all']['links'] == links and result['boxes'] == boxes
    assert sum(b['links'] for b in result['by_height'].values()) == links
    assert -1 <= result['all']['neg_mean'] <= result['all']['pos_mean'] <= 1
    assert json.loads(out.read_text()) == result


def test_tool_refuses_trackers_without_embeddings(tiny_toy, tmp_path):
    config = osp.join(ROOT, 'configs/sort/sort_public-det_toy.py')
    with pytest.raises(ValueError, match='no embeddings'):
        tool.main([
            config, '--work-dir', str(tmp_path), '--cfg-options',
            f'test_dataloader.dataset.data_root={tiny_toy}/',
            f'test_evaluator.gt_root={tiny_toy}/val',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False'
        ])
