"""tools/test.py killed with SIGKILL, then rerun: the same metrics.

SORT on a toy split of 2 videos x 100 frames. A run killed while tracking
leaves no result and no metrics file; a run killed while writing its
results leaves complete files and hidden temporaries only, which the
rerun removes. Either way the rerun gives exactly the metrics and the
result files of an uninterrupted run.
"""
import glob
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from qdtrack.datasets.toy import generate_toy_benchmark

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import test as test_tool  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/sort/sort_public-det_toy.py')
NUM_FRAMES = 100
VIDEOS = ['TOY-02', 'TOY-03']
ENV = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')


def _args(toy, work, out):
    return [
        CONFIG, '--work-dir', str(work), '--out', str(out), '--cfg-options',
        f'test_dataloader.dataset.data_root={toy}/',
        f'test_evaluator.gt_root={toy}/val', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'default_hooks.logger.interval=10'
    ]


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=3, num_train=1, num_val=2,
                           num_frames=NUM_FRAMES, progress=False)
    return str(root)


@pytest.fixture(scope='module')
def uninterrupted(toy, tmp_path_factory):
    """Metrics and result files of a run that is not killed."""
    tmp = tmp_path_factory.mktemp('full')
    metrics = test_tool.main(_args(toy, tmp / 'work', tmp / 'out'))
    files = {v: (tmp / 'out' / f'{v}.txt').read_bytes() for v in VIDEOS}
    return metrics, files


def _kill_when_logged(cmd, work, line, timeout=300):
    """Start ``cmd``, SIGKILL it once its log holds ``line``."""
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    start = time.time()
    try:
        while time.time() - start < timeout:
            logs = glob.glob(osp.join(str(work), '*', '*.log'))
            if logs and line in open(logs[0]).read():
                proc.send_signal(signal.SIGKILL)
                break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None and time.time() - start >= timeout:
            proc.kill()
        proc.wait()
    return proc.returncode


def _rerun_matches(toy, work, out, uninterrupted):
    metrics = test_tool.main(_args(toy, work, out))
    ref_metrics, ref_files = uninterrupted
    assert metrics == ref_metrics
    assert json.loads((work / 'test_metrics.json').read_text()) == metrics
    assert sorted(os.listdir(out)) == [f'{v}.txt' for v in VIDEOS]
    for video in VIDEOS:
        assert (out / f'{video}.txt').read_bytes() == ref_files[video]
    # nothing hidden or temporary anywhere under the work dir either
    assert glob.glob(osp.join(str(work), '**', '.*'), recursive=True) == []


def test_rerun_after_sigkill_mid_tracking(toy, tmp_path, uninterrupted):
    work, out = tmp_path / 'work', tmp_path / 'out'
    # killed after 50 of the 200 frames
    code = _kill_when_logged(
        [sys.executable, osp.join(ROOT, 'tools', 'test.py')] +
        _args(toy, work, out), work, 'Epoch(test) [ 50/200]')
    assert code == -signal.SIGKILL
    assert not out.exists() or os.listdir(out) == []
    assert not (work / 'test_metrics.json').exists()
    _rerun_matches(toy, work, out, uninterrupted)
    assert 0 < uninterrupted[0]['motchallenge/HOTA'] < 100


KILLED_WHILE_WRITING = textwrap.dedent('''
    import os, signal, sys
    sys.path.insert(0, {tools!r})
    fsync = os.fsync
    def fsync_then_die(fd):
        # the temporary file of TOY-03 is complete but not renamed yet
        if 'TOY-03' in os.readlink(f'/proc/self/fd/{{fd}}'):
            os.kill(os.getpid(), signal.SIGKILL)
        return fsync(fd)
    os.fsync = fsync_then_die
    import test
    test.main({args!r})
''')


def test_rerun_after_sigkill_while_writing_results(toy, tmp_path,
                                                   uninterrupted):
    work, out = tmp_path / 'work', tmp_path / 'out'
    script = KILLED_WHILE_WRITING.format(
        tools=osp.join(ROOT, 'tools'),
        args=[str(a) for a in _args(toy, work, out)])
    proc = subprocess.run([sys.executable, '-c', script], env=ENV,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    # TOY-02 was written whole; TOY-03 only as a hidden temporary
    names = sorted(os.listdir(out))
    assert names[1:] == ['TOY-02.txt'], names
    assert names[0].startswith('.TOY-03.txt.') and names[0].endswith('.tmp')
    assert (out / 'TOY-02.txt').read_bytes() == uninterrupted[1]['TOY-02']
    assert not (work / 'test_metrics.json').exists()
    _rerun_matches(toy, work, out, uninterrupted)
