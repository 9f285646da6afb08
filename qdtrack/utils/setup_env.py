"""Registration of all qdtrack modules, default-scope handling, run names."""
import datetime
import itertools
import os.path as osp
import warnings
from typing import Optional

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


_RUNS_IN_THIS_PROCESS = itertools.count()


def name_run(cfg, config_path: str, work_dir: Optional[str] = None) -> None:
    """Set the work dir and a process-unique experiment name on ``cfg``.

    The runner names its logger ``<experiment>_<second>`` and the configs
    name the visualizer ``visualizer``; mmengine hands back an existing
    instance of a name, so a later run in the same process (the Python API,
    a parameter search) logged into the first run's file when started in the
    same second, and always wrote its visualizer data into the first run's
    folder. The first run keeps the names; later ones get ``-2``, ``-3``, ...
    appended to both.

    Args:
        cfg (Config): The run's config, changed in place.
        config_path (str): The config file; its stem names the run.
        work_dir (str, optional): ``--work-dir``; overrides the config's.
            Defaults to ``./work_dirs/<config stem>`` when neither sets one.
    """
    stem = osp.splitext(osp.basename(config_path))[0]
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', stem)
    run = next(_RUNS_IN_THIS_PROCESS)
    if run:
        cfg.experiment_name = f"{cfg.get('experiment_name') or stem}-{run + 1}"
        if cfg.get('visualizer', None) and cfg.visualizer.get('name'):
            cfg.visualizer.name = f'{cfg.visualizer.name}-{run + 1}'
