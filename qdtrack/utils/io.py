"""Small file helpers: atomic writes."""
import json
import os
import os.path as osp
import tempfile
from typing import Any


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that readers never see a partial file.

    The text goes to a temporary file in the same folder, which then replaces
    ``path`` in one step.

    Args:
        path (str): Destination file; its folder is created if needed.
        text (str): Content.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(path) + '.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: str, obj: Any, **kwargs) -> None:
    """Write ``obj`` as JSON atomically (see :func:`atomic_write_text`)."""
    kwargs.setdefault('indent', 2)
    atomic_write_text(path, json.dumps(obj, **kwargs) + '\n')
