"""Temporaries of killed atomic writes are told apart and removed."""
import os
import subprocess
import sys

from qdtrack.utils import io


def _dead_pid():
    proc = subprocess.run(
        [sys.executable, '-c', 'import os; print(os.getpid())'],
        capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_atomic_write_names_its_temporary_after_the_writer(tmp_path,
                                                           monkeypatch):
    seen = []
    replace = os.replace

    def record(src, dst):
        seen.append(os.path.basename(src))
        return replace(src, dst)

    monkeypatch.setattr(io.os, 'replace', record)
    io.atomic_write_text(tmp_path / 'a.txt', 'x')
    assert len(seen) == 1
    assert seen[0].startswith(f'.a.txt.{os.getpid()}.')
    assert io._TEMPORARY.match(seen[0])['pid'] == str(os.getpid())


def test_remove_stale_temporaries_only_of_dead_writers(tmp_path):
    dead = _dead_pid()
    sleeper = subprocess.Popen([sys.executable, '-c',
                                'import time; time.sleep(60)'])
    try:
        names = {
            f'.a.txt.{dead}.k2x_9abc.tmp': False,  # killed writer: removed
            f'.b.txt.{sleeper.pid}.k2x_9abc.tmp': True,  # still writing
            f'.c.txt.{os.getpid()}.k2x_9abc.tmp': True,  # this process
            '.notes.tmp': True,  # not ours
            f'd.txt.{dead}.k2x_9abc.tmp': True,  # not hidden
            f'.e.txt.{dead}.k2x_9abc.tmp.bak': True,
            'a.txt': True,
        }
        for name in names:
            (tmp_path / name).write_text('x')
        removed = io.remove_stale_temporaries(tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert removed == [str(tmp_path / f'.a.txt.{dead}.k2x_9abc.tmp')]
    assert sorted(os.listdir(tmp_path)) == sorted(
        n for n, kept in names.items() if kept)
    assert io.remove_stale_temporaries(tmp_path / 'missing') == []
