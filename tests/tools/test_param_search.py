"""tools/analysis/param_search.py: replayed settings score as tools/test.py.

QDTrack with random weights in given-observation mode (its track head
embeds the det.txt boxes of a tiny toy split; a random detector finds
nothing) so that the tracker has real boxes to associate.
"""
import json
import os.path as osp
import sys

import numpy as np
import pytest

from qdtrack.datasets.mot_files import read_mot_results

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import param_search  # noqa: E402
import test as test_tool  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/qdtrack/qdtrack_given-det_toy.py')


def _options(root):
    return [
        f'test_dataloader.dataset.data_root={root}/',
        f'test_evaluator.gt_root={root}/val',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'model.tracker.obj_score_thr=0.4'
    ]


@pytest.fixture(scope='module')
def search(tiny_toy, tmp_path_factory):
    work = tmp_path_factory.mktemp('search')
    summary = param_search.main([
        CONFIG, '--random-weights', '--work-dir', str(work), '--cache',
        str(work / 'inputs.npz'), '--grid', 'init_score_thr=0.5,0.8',
        'memo_tracklet_frames=0,10', '--cfg-options', *_options(tiny_toy)
    ])
    return work, summary


def test_replayed_setting_equals_test_tool(tiny_toy, search, tmp_path):
    work, summary = search
    assert summary['frames'] == 24 and len(summary['results']) == 4
    # a setting the grid tried, through the whole model by tools/test.py
    # (the same random weights: the runner seeds them identically)
    metrics = test_tool.main([
        CONFIG, '--random-weights', '--work-dir', str(tmp_path), '--out',
        str(tmp_path / 'res'), '--cfg-options', *_options(tiny_toy),
        'model.tracker.init_score_thr=0.5',
        'model.tracker.num_frames_retain=0'
    ])
    row, = [r for r in summary['results']
            if r['setting'] == dict(init_score_thr=0.5,
                                    memo_tracklet_frames=0)]
    assert row['metrics'] == metrics
    assert metrics['motchallenge/HOTA'] > 10  # real tracks, not empty
    for seq in ('TOY-02', 'TOY-03'):
        np.testing.assert_array_equal(
            read_mot_results(osp.join(row['results_dir'], f'{seq}.txt')),
            read_mot_results(str(tmp_path / 'res' / f'{seq}.txt')))
    # the config's own setting (init 0.9, 30 frames) was scored by the pass
    assert summary['config_setting_metrics']['motchallenge/HOTA'] >= 0


def test_settings_sorted_and_written(search):
    work, summary = search
    hota = [r['metrics']['motchallenge/HOTA'] for r in summary['results']]
    assert hota == sorted(hota, reverse=True)
    assert len(set(hota)) > 1  # the thresholds change the tracks
    on_disk = json.loads((work / 'param_search.json').read_text())
    assert on_disk['results'] == summary['results']
    assert on_disk['grid'] == {'init_score_thr': [0.5, 0.8],
                               'memo_tracklet_frames': [0, 10]}


def test_cache_replays_without_the_network(tiny_toy, search, tmp_path):
    work, summary = search
    again = param_search.main([
        CONFIG, '--random-weights', '--work-dir', str(tmp_path), '--cache',
        str(work / 'inputs.npz'), '--grid', 'init_score_thr=0.5,0.8',
        'memo_tracklet_frames=0,10', '--cfg-options', *_options(tiny_toy)
    ])
    assert again['from_cache'] and again['config_setting_metrics'] == {}
    assert [r['metrics'] for r in again['results']] == [
        r['metrics'] for r in summary['results']]
    # untrained weights are refused unless asked for, cache or not
    with pytest.raises(ValueError, match='no checkpoint was given'):
        param_search.main([
            CONFIG, '--work-dir', str(tmp_path), '--cache',
            str(work / 'inputs.npz'), '--grid', 'init_score_thr=0.5',
            '--cfg-options', *_options(tiny_toy)
        ])
    # another model's inputs are refused, naming what differs
    with pytest.raises(ValueError, match='differs in: model'):
        param_search.main([
            CONFIG, '--random-weights', '--work-dir', str(tmp_path),
            '--cache', str(work / 'inputs.npz'), '--grid',
            'init_score_thr=0.5', '--cfg-options', *_options(tiny_toy),
            'model.track_head.embed_head.embed_channels=64'
        ])


def test_bad_grid_is_refused_before_the_network(tmp_path):
    with pytest.raises(ValueError, match='only tracker'):
        param_search.parse_grid(['model.detector.test_cfg.rcnn.score_thr=1'])
    with pytest.raises(ValueError, match='expected key=v1,v2'):
        param_search.parse_grid(['init_score_thr'])
    with pytest.raises(ValueError, match="no argument 'init_thr'"):
        param_search.main([CONFIG, '--random-weights', '--work-dir',
                           str(tmp_path), '--grid', 'init_thr=0.5'])
    assert not list(tmp_path.iterdir())
    assert param_search.parse_grid(['init_score_thr=0.5,1']) == {
        'model.tracker.init_score_thr': [0.5, 1]}
    assert param_search.settings({'a': [1, 2], 'b': [3]}) == [
        {'a': 1, 'b': 3}, {'a': 2, 'b': 3}]
