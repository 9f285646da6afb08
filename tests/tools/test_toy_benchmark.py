"""tools/toy_benchmark.py: the steps it runs, without running them."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import toy_benchmark  # noqa: E402


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """The commands main() runs; every test reports HOTA = its index."""
    cmds = []

    def run(cmd, log):
        cmds.append(cmd)
        if 'tools/train.py' in cmd:
            work = cmd[cmd.index('--work-dir') + 1]
            (tmp_path / 'work' / 'qdtrack_train').mkdir(parents=True)
            with open(osp.join(work, 'last_checkpoint'), 'w') as f:
                f.write('/ckpt/epoch_2.pth')

    monkeypatch.setattr(toy_benchmark, 'run', run)
    monkeypatch.setattr(toy_benchmark, 'read_metrics',
                        lambda work_dir: {'HOTA': float(len(cmds))})
    return cmds


def test_steps_and_rows_on_identical_boxes(recorded, tmp_path):
    summary = toy_benchmark.main([
        '--data-root', str(tmp_path / 'toy'), '--test-root',
        str(tmp_path / 'toy_test'), '--work-dir', str(tmp_path / 'work')])
    cmds = [' '.join(c) for c in recorded]
    assert list(summary['results']) == list(toy_benchmark.ROWS)
    gen_train, gen_test, sort_det, train, given_det, e2e, sort_qd, \
        given_qd = cmds
    assert 'generate_toy.py' in gen_train and '--seed 0' in gen_train
    assert gen_test.endswith(f'{tmp_path}/toy_test --seed 1 --num-train 0')
    test_root = f'data_root={tmp_path}/toy_test/'
    for cmd in (sort_det, given_det, e2e, sort_qd, given_qd):
        assert 'tools/test.py' in cmd and test_root in cmd
        assert f'gt_root={tmp_path}/toy_test/val' in cmd
    assert f'data_root={tmp_path}/toy/' in train and 'toy_test' not in train
    assert toy_benchmark.SORT_CONFIG in sort_det and 'public_det' not in \
        sort_det
    assert toy_benchmark.GIVEN_CONFIG in given_det
    assert '/ckpt/epoch_2.pth' in given_det and 'public_det' not in given_det
    dets = f'{tmp_path}/work/qdtrack_dets'
    assert toy_benchmark.QDTRACK_CONFIG in e2e
    assert f'--out-dets {dets}' in e2e
    # relative to the test data root (--cfg-options deletes spaces)
    qd_boxes = 'public_det_file=../work/qdtrack_dets/{video}/det/det.txt'
    assert toy_benchmark.SORT_CONFIG in sort_qd and qd_boxes in sort_qd
    assert 'model.tracker.score_thr=0.5' in sort_qd
    assert toy_benchmark.GIVEN_CONFIG in given_qd and qd_boxes in given_qd


def test_checkpoint_skips_training_and_seeds_must_differ(recorded,
                                                         tmp_path):
    toy_benchmark.main([
        '--data-root', str(tmp_path / 'toy'), '--test-root',
        str(tmp_path / 'toy_test'), '--work-dir', str(tmp_path / 'work'),
        '--checkpoint', '/my/ckpt.pth'])
    assert not any('tools/train.py' in c for c in recorded)
    assert sum('/my/ckpt.pth' in c for c in recorded) == 3
    with pytest.raises(SystemExit):
        toy_benchmark.main(['--seed', '4', '--test-seed', '4'])
