"""Load a GIL-free numba kernel and run it on torch's number of threads.

Shared by the CPU kernels of :mod:`qdtrack.ops` (RoIAlign, deformable
convolution): a kernel module is imported once, on first use
(:func:`load_kernel`); the work is split as ``first::workers`` (RoIs,
output rows) and every part runs in a thread of one pool per process.
"""
import importlib
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from types import ModuleType
from typing import Callable, Optional

import torch

_POOL = {}  # (pid, workers) -> thread pool, one per process


@lru_cache(maxsize=None)
def load_kernel(module: str, fallback: str) -> Optional[ModuleType]:
    """The numba kernel module ``qdtrack.ops.<module>``, or None (warning
    ``fallback``) when numba cannot be imported."""
    try:
        return importlib.import_module(f'{__package__}.{module}')
    except ImportError as err:  # pragma: no cover (numba is a dependency)
        warnings.warn(f'{fallback} ({err})', stacklevel=4)
        return None


def num_workers() -> int:
    """Torch's number of intra-op threads (at least 1)."""
    return max(1, torch.get_num_threads())


def run_split(task: Callable[[int, int], None], workers: int) -> None:
    """Run ``task(first, workers)`` for every ``first`` < ``workers``."""
    if workers == 1:
        task(0, 1)
        return
    key = (os.getpid(), workers)  # a forked child makes its own pool
    if key not in _POOL:
        for pool in _POOL.values():  # another size, or the parent's
            pool.shutdown(wait=False)
        _POOL.clear()
        _POOL[key] = ThreadPoolExecutor(workers, 'qdtrack-ops')
    futures = [_POOL[key].submit(task, first, workers)
               for first in range(workers)]
    for future in futures:
        future.result()
