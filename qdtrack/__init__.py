"""QDTrack: quasi-dense similarity learning for multiple object tracking.

Importing the package registers its modules under the ``qdtrack`` scope and
makes mmengine checkpoints loadable under ``torch >= 2.6``.
"""
from .utils.torch_compat import allow_numpy_in_checkpoints
from .version import __version__

allow_numpy_in_checkpoints()

__all__ = ['__version__', 'register_all_modules']


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every sub-package so that its modules are registered.

    Args:
        init_default_scope (bool): Also make ``qdtrack`` the current default
            scope of mmengine's registries. Defaults to True.
    """
    from .utils.setup_env import register_all_modules as _register
    _register(init_default_scope)
