"""Atomic file writing shared by the result writers."""
import contextlib
import os
import os.path as osp
import stat
import tempfile


def atomic_write_text(path: str, text: str, encoding: str = 'utf-8') -> None:
    """Write ``text`` to ``path`` so that readers never see a partial file.

    The text goes to a temporary file in the same folder, which is flushed
    to disk and then renamed over ``path`` with :func:`os.replace`. On any
    error the temporary file is removed and ``path`` is left as it was.
    Missing parent folders are created. A replaced file keeps its
    permission bits; a new file gets ``0o644``.

    Args:
        path (str): the destination file.
        text (str): the whole content.
        encoding (str): text encoding. Defaults to 'utf-8'.
    """
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    mode = (stat.S_IMODE(os.stat(path).st_mode)
            if osp.exists(path) else 0o644)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w', encoding=encoding, newline='\n') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
