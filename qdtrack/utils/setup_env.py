"""Registration of all qdtrack modules and default-scope handling."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register qdtrack's (and mmdet's) modules in their registries.

    Args:
        init_default_scope (bool): Set the default scope to ``qdtrack``.
            Defaults to True.
    """
    import mmdet.utils  # noqa: F401
    from mmdet.utils import register_all_modules as mmdet_register

    mmdet_register(init_default_scope=False)
    import qdtrack.datasets  # noqa: F401
    import qdtrack.engine  # noqa: F401
    import qdtrack.evaluation  # noqa: F401
    import qdtrack.models  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('qdtrack'):
        DefaultScope.get_instance('qdtrack', scope_name='qdtrack')
    elif current.scope_name != 'qdtrack':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "qdtrack"; a new one is created for qdtrack.',
                      stacklevel=2)
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S%f')
        DefaultScope.get_instance(f'qdtrack-{stamp}', scope_name='qdtrack')
