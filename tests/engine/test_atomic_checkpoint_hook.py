"""AtomicCheckpointHook: a failed or killed save keeps the previous one."""
import errno
import glob
import os
import os.path as osp
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.fileio.backends.local_backend import LocalBackend

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
sys.path.insert(0, HERE)
from regressor_runner import make_runner, validation  # noqa: E402

ATOMIC = dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=1)


def _fail_halfway(monkeypatch, name):
    """LocalBackend.put writes half of ``name``'s bytes, then ENOSPC."""
    put = LocalBackend.put

    def put_half(self, obj, filepath):
        if name in osp.basename(str(filepath)):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
            raise OSError(errno.ENOSPC, 'No space left on device')
        return put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', put_half)


def _pointer(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read()


def test_disk_full_during_save_names_path_and_keeps_previous(
        tmp_path, monkeypatch):
    _fail_halfway(monkeypatch, 'epoch_2')
    runner = make_runner(tmp_path, max_epochs=3, checkpoint=ATOMIC)
    with pytest.raises(OSError) as info:
        runner.train()
    final = osp.join(str(tmp_path), 'epoch_2.pth')
    assert info.value.errno == errno.ENOSPC
    assert str(info.value) == (f'[Errno 28] cannot save checkpoint {final}: '
                               'No space left on device')
    previous = osp.join(str(tmp_path), 'epoch_1.pth')
    assert torch.load(previous, map_location='cpu')['meta']['epoch'] == 1
    assert _pointer(tmp_path) == previous
    assert not osp.exists(final)
    assert glob.glob(str(tmp_path / '.*')) == []  # no temporary file left


def test_mmengine_hook_loses_the_previous_checkpoint(tmp_path, monkeypatch):
    """Why the hook exists: mmengine deletes first, then writes in place."""
    _fail_halfway(monkeypatch, 'epoch_2')
    runner = make_runner(tmp_path, max_epochs=3,
                         checkpoint=dict(ATOMIC, type='CheckpointHook'))
    with pytest.raises(OSError, match=r'^\[Errno 28\] No space left'):
        runner.train()
    assert not osp.exists(tmp_path / 'epoch_1.pth')
    with pytest.raises(RuntimeError, match='PytorchStreamReader failed'):
        torch.load(str(tmp_path / 'epoch_2.pth'), map_location='cpu')


def test_max_keep_ckpts_removes_only_after_saving(tmp_path):
    runner = make_runner(tmp_path, max_epochs=3,
                         checkpoint=dict(ATOMIC, max_keep_ckpts=2))
    runner.train()
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == [
        'epoch_2.pth', 'epoch_3.pth']
    assert _pointer(tmp_path) == osp.join(str(tmp_path), 'epoch_3.pth')


KILLED_RUN = textwrap.dedent('''
    import os, signal, sys
    sys.path.insert(0, {here!r})
    from mmengine.fileio.backends.local_backend import LocalBackend
    import qdtrack
    qdtrack.register_all_modules()
    from regressor_runner import make_runner
    put = LocalBackend.put
    def put_then_die(self, obj, filepath):
        if 'epoch_2' in os.path.basename(str(filepath)):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return put(self, obj, filepath)
    LocalBackend.put = put_then_die
    make_runner({work!r}, max_epochs=3, checkpoint={ckpt!r}).train()
''')


def test_sigkill_during_save_then_resume_gives_uninterrupted_weights(
        tmp_path):
    work = str(tmp_path / 'killed')
    script = KILLED_RUN.format(here=HERE, work=work, ckpt=ATOMIC)
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', script], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    # killed while writing epoch_2: epoch_1 is intact and pointed at
    leftovers = glob.glob(osp.join(work, '.epoch_2.pth.*.tmp'))
    assert len(leftovers) == 1
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))
    assert _pointer(work) == osp.join(work, 'epoch_1.pth')
    assert torch.load(_pointer(work), map_location='cpu')['meta'][
        'epoch'] == 1
    resumed = make_runner(work, max_epochs=3, checkpoint=ATOMIC, resume=True)
    resumed.train()
    assert resumed.iter == 12
    assert glob.glob(osp.join(work, '.*')) == []  # stale temp removed
    full = make_runner(tmp_path / 'full', max_epochs=3, checkpoint=ATOMIC)
    full.train()
    torch.testing.assert_close(resumed.model.fc.weight, full.model.fc.weight,
                               rtol=0, atol=0)


# save_best: validation on the training points gives mse 0.8910, 0.1631,
# 0.7917, 0.6650 after epochs 1-4 (lower is better: best at 1, then 2)
BEST = dict(ATOMIC, save_best='mse', rule='less')


def _hub(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return ckpt['message_hub']['runtime_info']


@pytest.mark.parametrize('hook', ['AtomicCheckpointHook', 'CheckpointHook'])
def test_save_best_keeps_only_the_best(tmp_path, hook):
    """Same files and scores as mmengine's hook on a successful run."""
    runner = make_runner(tmp_path, max_epochs=4,
                         checkpoint=dict(BEST, type=hook), **validation())
    runner.train()
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == [
        'best_mse_epoch_2.pth', 'epoch_4.pth']
    best = osp.join(str(tmp_path), 'best_mse_epoch_2.pth')
    for path in (best, osp.join(str(tmp_path), 'epoch_4.pth')):
        info = _hub(path)
        assert info['best_ckpt'] == best
        assert info['best_score'] == pytest.approx(0.1631, abs=1e-4)
    assert torch.load(best, map_location='cpu')['meta']['epoch'] == 2


def test_disk_full_during_best_save_keeps_previous_best(
        tmp_path, monkeypatch):
    _fail_halfway(monkeypatch, 'best_mse_epoch_2')
    runner = make_runner(tmp_path, max_epochs=4, checkpoint=BEST,
                         **validation())
    with pytest.raises(OSError) as info:
        runner.train()
    final = osp.join(str(tmp_path), 'best_mse_epoch_2.pth')
    assert str(info.value) == (f'[Errno 28] cannot save checkpoint {final}: '
                               'No space left on device')
    previous = osp.join(str(tmp_path), 'best_mse_epoch_1.pth')
    assert torch.load(previous, map_location='cpu')['meta']['epoch'] == 1
    assert _hub(previous)['best_score'] == pytest.approx(0.8910, abs=1e-4)
    # the runner's record is rolled back to the best that exists
    hub = runner.message_hub
    assert hub.get_info('best_ckpt') == previous
    assert hub.get_info('best_score') == pytest.approx(0.8910, abs=1e-4)
    assert not osp.exists(final)
    assert glob.glob(str(tmp_path / '.*')) == []
    # the regular checkpoint of epoch 2 was saved before validation
    assert _pointer(tmp_path) == osp.join(str(tmp_path), 'epoch_2.pth')


def test_mmengine_hook_loses_the_previous_best(tmp_path, monkeypatch):
    """Why: mmengine deletes the previous best before writing the new."""
    _fail_halfway(monkeypatch, 'best_mse_epoch_2')
    runner = make_runner(tmp_path, max_epochs=4,
                         checkpoint=dict(BEST, type='CheckpointHook'),
                         **validation())
    with pytest.raises(OSError, match=r'^\[Errno 28\] No space left'):
        runner.train()
    assert not osp.exists(tmp_path / 'best_mse_epoch_1.pth')
    with pytest.raises(RuntimeError, match='PytorchStreamReader failed'):
        torch.load(str(tmp_path / 'best_mse_epoch_2.pth'), map_location='cpu')


KILLED_BEST_RUN = textwrap.dedent('''
    import os, signal, sys
    sys.path.insert(0, {here!r})
    from mmengine.fileio.backends.local_backend import LocalBackend
    import qdtrack
    qdtrack.register_all_modules()
    from regressor_runner import make_runner, validation
    put = LocalBackend.put
    def put_then_die(self, obj, filepath):
        if 'best_mse_epoch_2' in os.path.basename(str(filepath)):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return put(self, obj, filepath)
    LocalBackend.put = put_then_die
    make_runner({work!r}, max_epochs=4, checkpoint={ckpt!r},
                **validation()).train()
''')


def test_sigkill_during_best_save_leaves_previous_best_readable(tmp_path):
    work = str(tmp_path / 'killed')
    script = KILLED_BEST_RUN.format(here=HERE, work=work, ckpt=BEST)
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', script], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert len(glob.glob(osp.join(work, '.best_mse_epoch_2.pth.*.tmp'))) == 1
    assert not osp.exists(osp.join(work, 'best_mse_epoch_2.pth'))
    previous = osp.join(work, 'best_mse_epoch_1.pth')
    assert torch.load(previous, map_location='cpu')['meta']['epoch'] == 1
    assert _hub(previous)['best_ckpt'] == previous
    # resumed from epoch_2.pth, whose record still names the epoch-1 best:
    # epoch 2's validation died with the process, so epochs 3 (0.7917 <
    # 0.8910) and 4 (0.6650) each become the best in turn, and the
    # epoch-1 best is removed
    resumed = make_runner(work, max_epochs=4, checkpoint=BEST, resume=True,
                          **validation())
    resumed.train()
    assert resumed.iter == 16
    assert sorted(osp.basename(p) for p in glob.glob(osp.join(work, '*.pth'))
                  ) == ['best_mse_epoch_4.pth', 'epoch_4.pth']
    assert _hub(osp.join(work, 'epoch_4.pth'))['best_score'] == (
        pytest.approx(0.6650, abs=1e-4))
    assert glob.glob(osp.join(work, '.*')) == []  # stale temp removed
    full = make_runner(tmp_path / 'full', max_epochs=4, checkpoint=BEST,
                       **validation())
    full.train()
    torch.testing.assert_close(resumed.model.fc.weight, full.model.fc.weight,
                               rtol=0, atol=0)
