"""Compatibility of mmengine 0.10.7 checkpoints with ``torch >= 2.6``.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, and
mmengine can no longer read the checkpoints it writes:

- ``meta`` and the message hub hold numpy arrays and scalars;
- the message hub holds ``HistoryBuffer`` objects, whose ``__getstate__``
  also pickles the class-level table of statistics methods (functions,
  stored through ``getattr``, which no safe loader may allow).

Instead of turning the safe loader off we (1) allowlist exactly the numpy
types and the ``HistoryBuffer`` data container, and (2) stop
``HistoryBuffer`` from pickling its method table: the table is class state,
rebuilt by ``HistoryBuffer.__setstate__`` (default methods) and by the
``register_statistics`` calls of the code that defines custom ones.
"""
import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def numpy_checkpoint_globals() -> list:
    """The numpy callables and types pickled inside mmengine checkpoints.

    Returns:
        list: objects for :func:`torch.serialization.add_safe_globals`.
    """
    try:  # numpy >= 2 moved the private core module
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
        np.uint32, np.uint64, np.float16, np.float32, np.float64)]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


def _history_buffer_state(self) -> dict:
    """Instance state of a ``HistoryBuffer`` without its method table."""
    return {k: v for k, v in self.__dict__.items()
            if k != 'statistics_methods'}


def allow_numpy_in_checkpoints() -> None:
    """Make mmengine checkpoints writable and readable with weights_only."""
    HistoryBuffer.__getstate__ = _history_buffer_state
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add([*numpy_checkpoint_globals(), HistoryBuffer])
