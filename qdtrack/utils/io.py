"""Atomic file writes: readers never see a partial file."""
import contextlib
import json
import os
import os.path as osp
import re
import stat
import tempfile
from typing import Any, List


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    The data goes to a temporary file in the same folder, which is flushed
    to disk and then renamed over ``path`` with :func:`os.replace`. On any
    error the temporary file is removed and ``path`` is left as it was;
    an ``OSError`` (e.g. no space left on device) is re-raised naming
    ``path``.
    Missing parent folders are created. A replaced file keeps its
    permission bits; a new file gets ``0o644``.

    Args:
        path (str | Path): The destination file.
        data (bytes): The whole content.
    """
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    mode = (stat.S_IMODE(os.stat(path).st_mode)
            if osp.exists(path) else 0o644)
    # the writer's pid in the name: remove_stale_temporaries() tells the
    # leftovers of a killed writer from files being written now
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.{os.getpid()}.', suffix='.tmp',
        dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError) and path not in str(err):
            # e.g. ENOSPC from write(), which names no file
            raise type(err)(err.errno, f'cannot write {path}: '
                            f'{err.strerror or err}') from err
        raise


def atomic_write_text(path: str, text: str, encoding: str = 'utf-8') -> None:
    """Write ``text`` atomically (see :func:`atomic_write_bytes`).

    Newlines are written as ``\\n`` on every platform.

    Args:
        path (str | Path): The destination file.
        text (str): The whole content.
        encoding (str): Text encoding. Defaults to 'utf-8'.
    """
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_json(path: str, obj: Any, **kwargs) -> None:
    """Write ``obj`` as JSON atomically (see :func:`atomic_write_bytes`).

    Args:
        path (str | Path): The destination file.
        obj: A JSON-serialisable object.
        **kwargs: Passed to :func:`json.dumps`; ``indent`` defaults to 2.
    """
    kwargs.setdefault('indent', 2)
    atomic_write_text(path, json.dumps(obj, **kwargs) + '\n')


_TEMPORARY = re.compile(r'^\..+\.(?P<pid>\d+)\.[a-z0-9_]+\.tmp$')


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temporaries(folder: str) -> List[str]:
    """Remove the temporary files of killed :func:`atomic_write_bytes` calls.

    A process killed (e.g. SIGKILL) while writing ``<folder>/name`` leaves
    a hidden ``.name.<pid>.<random>.tmp`` beside it; the final file is
    untouched. This removes such files whose process no longer runs (on
    this machine). Other files are never touched.

    Args:
        folder (str | Path): The folder; a missing one holds nothing.

    Returns:
        list[str]: The removed paths, sorted.
    """
    folder = os.fspath(folder)
    if not osp.isdir(folder):
        return []
    removed = []
    for entry in os.scandir(folder):
        match = _TEMPORARY.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match['pid'])
        if pid == os.getpid() or _running(pid):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(entry.path)
    return sorted(removed)


def check_writable_dir(path: str, what: str = 'output folder') -> None:
    """Check, without creating anything, that ``path`` can be a folder.

    An existing folder must accept a new file (probed with a temporary file
    that is removed); a missing one needs its nearest existing ancestor to
    be a writable folder. Run it before long work whose results go there.

    Args:
        path (str | Path): The folder.
        what (str): How the folder is called in the message.

    Raises:
        NotADirectoryError: ``path`` or an ancestor is a file.
        PermissionError: the folder (or the ancestor where it would be
            created) is not writable. Messages name the path.
    """
    path = osp.abspath(os.fspath(path))
    if osp.exists(path):
        if not osp.isdir(path):
            raise NotADirectoryError(f'{what} {path} is a file, not a folder')
        try:
            fd, probe = tempfile.mkstemp(prefix='.write_probe.', dir=path)
        except OSError as err:
            raise PermissionError(f'{what} {path} is not writable: '
                                  f'{err.strerror}') from err
        os.close(fd)
        os.unlink(probe)
        return
    parent = osp.dirname(path)
    while not osp.exists(parent):
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise NotADirectoryError(f'{what} {path} cannot be created: '
                                 f'{parent} is a file')
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f'{what} {path} cannot be created: {parent} '
                              'is not writable')
