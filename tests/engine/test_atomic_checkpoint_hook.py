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
from regressor_runner import make_runner  # noqa: E402

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
