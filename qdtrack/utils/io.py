"""Atomic file writes: readers never see a partial file."""
import contextlib
import json
import os
import os.path as osp
import stat
import tempfile
from typing import Any


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    The data goes to a temporary file in the same folder, which is flushed
    to disk and then renamed over ``path`` with :func:`os.replace`. On any
    error the temporary file is removed and ``path`` is left as it was.
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
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
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
