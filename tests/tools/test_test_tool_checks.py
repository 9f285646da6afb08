"""tools/test.py: strict checkpoints, kept results, partial results."""
import os.path as osp
import shutil
import sys
import time

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from qdtrack.datasets.mot_files import read_mot_results
from qdtrack.datasets.toy import generate_toy_benchmark
from qdtrack.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import test as test_tool  # noqa: E402

SORT = osp.join(ROOT, 'configs/sort/sort_public-det_toy.py')
QDTRACK = osp.join(ROOT, 'configs/qdtrack/qdtrack_faster-rcnn_toy.py')


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=3, num_train=1, num_val=2,
                           num_frames=6, width=96, height=64,
                           progress=False)
    return root


def _options(data):
    return ['--cfg-options', f'test_dataloader.dataset.data_root={data}/',
            f'test_evaluator.gt_root={data}/val',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False']


def test_results_without_out_are_kept_in_the_work_dir(toy, tmp_path):
    metrics = test_tool.main([SORT, '--work-dir', str(tmp_path / 'w')] +
                             _options(toy))
    results = tmp_path / 'w' / 'results'
    assert sorted(p.name for p in results.iterdir()) == [
        'TOY-02.txt', 'TOY-03.txt']
    assert 0 < metrics['motchallenge/HOTA'] < 100


def test_frames_tracked_before_a_bad_frame_are_written(toy, tmp_path):
    full = tmp_path / 'full'
    test_tool.main([SORT, '--work-dir', str(full), '--out',
                    str(full / 'out')] + _options(toy))
    reference = read_mot_results(str(full / 'out' / 'TOY-02.txt'))
    data = tmp_path / 'data'
    shutil.copytree(toy, data)
    (data / 'val' / 'TOY-02' / 'img1' / '000005.jpg').write_bytes(b'')
    work = tmp_path / 'broken'
    with pytest.raises(ValueError, match=r'000005\.jpg: empty file'):
        test_tool.main([SORT, '--work-dir', str(work), '--out',
                        str(work / 'out')] + _options(data))
    assert not (work / 'out').exists()
    partial = read_mot_results(
        str(work / 'partial_results' / 'TOY-02.txt'))
    expected = reference[reference[:, 0] <= 4]
    assert len(expected) > 0
    np.testing.assert_array_equal(partial, expected)
    log = next(work.rglob('*.log')).read_text()
    assert 'the results of the frames tracked before it are in' in log
    assert 'TOY-02: 4' in log


def test_runs_started_in_the_same_second_log_to_their_own_dirs(
        toy, tmp_path, monkeypatch):
    # the runner names its logger after the second it starts in; a second
    # run in that second got the first run's logger and wrote into its file
    monkeypatch.setattr(time, 'time', lambda: 1_800_000_000.0)
    logs = []
    for name in ('first', 'second'):
        test_tool.main([SORT, '--work-dir', str(tmp_path / name)] +
                       _options(toy))
        found = list((tmp_path / name).rglob('*.log'))
        assert len(found) == 1
        logs.append(found[0].read_text())
    assert logs[0].count('Epoch(test)') == 1
    assert logs[1].count('Epoch(test)') == 1
    assert str(tmp_path / 'second') in logs[1]
    assert str(tmp_path / 'second') not in logs[0]


def _runner_and_args(tmp_path, *argv):
    args = test_tool.parse_args([QDTRACK, *argv, '--work-dir',
                                 str(tmp_path)])
    cfg = test_tool.build_test_cfg(args)
    return Runner.from_cfg(cfg), args


def test_runners_of_one_process_write_into_their_own_work_dirs(
        tmp_path, monkeypatch):
    monkeypatch.setattr(time, 'time', lambda: 1_800_000_000.0)
    first, _ = _runner_and_args(tmp_path / 'first')
    second, _ = _runner_and_args(tmp_path / 'second')
    assert second.logger is not first.logger
    assert second.visualizer is not first.visualizer
    for runner, name in ((first, 'first'), (second, 'second')):
        for backend in runner.visualizer._vis_backends.values():
            assert backend._save_dir.startswith(str(tmp_path / name))


def test_fitting_checkpoint_is_loaded_strictly(tmp_path):
    torch.manual_seed(1)
    src = MODELS.build(Config.fromfile(QDTRACK).model)
    path = tmp_path / 'fits.pth'
    torch.save(dict(state_dict=src.state_dict(), meta={}), str(path))
    runner, args = _runner_and_args(tmp_path, str(path))
    assert runner.cfg.load_from is None  # the tool loads, not the runner
    test_tool.load_weights(runner, args)
    for key, value in src.state_dict().items():
        torch.testing.assert_close(runner.model.state_dict()[key], value)


def test_no_strict_and_random_weights_warn(tmp_path):
    torch.manual_seed(1)
    src = MODELS.build(Config.fromfile(QDTRACK).model)
    state = {k: v for k, v in src.state_dict().items()
             if k.startswith('detector.')}
    path = tmp_path / 'detector_only.pth'
    torch.save(dict(state_dict=state), str(path))
    runner, args = _runner_and_args(tmp_path, str(path), '--no-strict')
    with pytest.warns(UserWarning, match=r'key\(s\) missing, e\.g\. '
                      r'track_head\..*loading the rest'):
        test_tool.load_weights(runner, args)
    key = 'detector.rpn_head.rpn_conv.weight'
    torch.testing.assert_close(runner.model.state_dict()[key], state[key])
    runner, args = _runner_and_args(tmp_path / 'r', '--random-weights')
    with pytest.warns(UserWarning, match='with RANDOM weights'):
        test_tool.load_weights(runner, args)
