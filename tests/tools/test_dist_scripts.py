"""tools/dist_{train,test}.sh run the project's interpreter."""
import os
import os.path as osp
import stat
import subprocess
import sys

import numpy as np
import pytest

from qdtrack.apis import init_tracker, track_video
from qdtrack.datasets.mot_files import read_mot_results
from qdtrack.datasets.toy import generate_toy_benchmark
from qdtrack.evaluation.metrics.mot_challenge_metric import (
    track_rows_from_sample,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(ROOT, 'tools')


def _fake_python(folder, log):
    """An executable ``folder/bin/python`` that logs its call, then runs
    this interpreter."""
    os.makedirs(osp.join(folder, 'bin'), exist_ok=True)
    path = osp.join(folder, 'bin', 'python')
    with open(path, 'w') as f:
        f.write(f'#!/bin/sh\necho "$0 $*" >> "{log}"\n'
                f'exec "{sys.executable}" "$@"\n')
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def _choose(env, root):
    clean = {k: v for k, v in os.environ.items()
             if k not in ('PYTHON', 'VIRTUAL_ENV', 'CONDA_PREFIX')}
    out = subprocess.run(
        ['bash', '-c', f'source "{TOOLS}/find_python.sh"; '
         f'qdtrack_python "{root}"'],
        env=dict(clean, **env), capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_interpreter_order(tmp_path):
    log = str(tmp_path / 'log')
    venv = _fake_python(str(tmp_path / 'venv'), log)
    conda = _fake_python(str(tmp_path / 'conda'), log)
    repo = tmp_path / 'repo'
    local = _fake_python(str(repo / '.venv'), log)
    bare = tmp_path / 'bare'
    bare.mkdir()
    both = dict(VIRTUAL_ENV=str(tmp_path / 'venv'),
                CONDA_PREFIX=str(tmp_path / 'conda'))
    assert _choose(dict(both, PYTHON='/x/py'), repo) == '/x/py'
    assert _choose(both, repo) == venv
    assert _choose(dict(CONDA_PREFIX=str(tmp_path / 'conda')), repo) == conda
    assert _choose({}, repo) == local
    assert _choose({}, bare) == 'python3'
    # an environment variable naming a folder without python is skipped
    assert _choose(dict(VIRTUAL_ENV=str(bare)), repo) == local


@pytest.mark.parametrize('script', ['dist_train.sh', 'dist_test.sh'])
def test_no_bare_python(script):
    with open(osp.join(TOOLS, script)) as f:
        lines = [ln.strip() for ln in f if not ln.startswith('#')]
    assert not any(ln.startswith('python ') for ln in lines)
    assert any(ln.startswith('"$PYTHON_BIN" -m torch.distributed.run')
               for ln in lines)


def test_dist_test_runs_sort_with_the_venv_python(tmp_path):
    root = tmp_path / 'toy'
    generate_toy_benchmark(root, seed=3, num_train=1, num_val=1,
                           num_frames=10, width=160, height=120,
                           progress=False)
    log = str(tmp_path / 'calls.log')
    _fake_python(str(tmp_path / 'venv'), log)
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHON', 'CONDA_PREFIX')}
    env.update(VIRTUAL_ENV=str(tmp_path / 'venv'), OMP_NUM_THREADS='1',
               PORT='29731')
    out = tmp_path / 'out'
    proc = subprocess.run([
        'bash', osp.join(TOOLS, 'dist_test.sh'),
        osp.join(ROOT, 'configs/sort/sort_public-det_toy.py'), 'none', '1',
        '--work-dir', str(tmp_path / 'work'), '--out', str(out),
        '--cfg-options', f'test_dataloader.dataset.data_root={root}/',
        f'test_evaluator.gt_root={root}/val', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'env_cfg.dist_cfg.backend=gloo'
    ], cwd=str(tmp_path), env=env, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(log) as f:
        calls = f.read().splitlines()
    assert len(calls) == 1 and '-m torch.distributed.run' in calls[0]
    rows = read_mot_results(str(out / 'TOY-02.txt'))[:, :7]
    # the same tracks as one process (the Python API, which equals
    # tools/test.py)
    seq = root / 'val' / 'TOY-02'
    model = init_tracker(osp.join(ROOT, 'configs/sort/sort_public-det_toy.py'))
    ref = np.concatenate([
        track_rows_from_sample(r.data_sample, r.frame_index + 1)
        for r in track_video(model, str(seq),
                             detections=str(seq / 'det' / 'det.txt'))
    ])
    assert len(rows) > 10
    np.testing.assert_array_equal(rows, ref[np.lexsort((ref[:, 1],
                                                        ref[:, 0]))])
