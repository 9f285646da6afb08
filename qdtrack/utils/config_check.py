"""Find misspelt and obsolete top-level config keys.

mmengine's ``Runner.from_cfg`` reads a fixed set of top-level keys and
ignores every other one: ``optim_wraper = ...`` or ``default_hook = ...``
silently leave the defaults in place. Configs also define helper variables
(``data_root``, ``train_pipeline``, ``fpn_channels`` ...) that are legal, so
a key is reported only when it is an MMDetection 2.x / MMCV 1.x key that
mmengine no longer reads, or when it is close to (but not) a key the Runner
reads.
"""
import difflib
import inspect
import warnings
from typing import Dict, Optional

from mmengine.runner import Runner

#: Keys read by ``Runner.from_cfg`` or the tools besides the ``__init__``
#: arguments of :class:`mmengine.runner.Runner`.
EXTRA_RUNNER_KEYS = ('runner_type', 'model_wrapper_cfg',
                     'find_unused_parameters', 'compile', 'strategy',
                     'launcher', '_base_')

#: Keys of MMDetection 2.x / MMCV 1.x configs, with their replacement.
OBSOLETE_KEYS = {
    'lr_config': 'param_scheduler',
    'optimizer': 'optim_wrapper.optimizer',
    'optimizer_config': 'optim_wrapper (clip_grad, accumulative_counts)',
    'checkpoint_config': 'default_hooks.checkpoint',
    'log_config': 'default_hooks.logger',
    'evaluation': 'val_evaluator and train_cfg.val_interval',
    'runner': 'train_cfg',
    'workflow': 'train_cfg / val_cfg',
    'data': 'train_dataloader / val_dataloader / test_dataloader',
    'dist_params': 'env_cfg.dist_cfg',
}


def runner_keys() -> set:
    """Top-level keys that mmengine's Runner reads."""
    params = inspect.signature(Runner.__init__).parameters
    return {name for name in params if name != 'self'} | set(
        EXTRA_RUNNER_KEYS)


def unknown_config_keys(cfg) -> Dict[str, Optional[str]]:
    """Suspicious top-level keys of a config.

    Args:
        cfg (Config | dict): The config.

    Returns:
        dict[str, str | None]: Each reported key with the key meant (or
        the replacement of an obsolete key), in key order.
    """
    known = runner_keys()
    found = {}
    for key in cfg.keys():
        if key in known:
            continue
        if key in OBSOLETE_KEYS:
            found[key] = OBSOLETE_KEYS[key]
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1,
                                          cutoff=0.8)
        if close:
            found[key] = close[0]
    return found


def warn_unknown_config_keys(cfg, source: str = 'config') -> Dict[str, str]:
    """Warn about :func:`unknown_config_keys`; return them.

    Args:
        cfg (Config | dict): The config.
        source (str): The config file, named in the warning.

    Returns:
        dict[str, str | None]: See :func:`unknown_config_keys`.
    """
    found = unknown_config_keys(cfg)
    if found:
        listed = ', '.join(
            f'"{k}" (an MMDetection 2.x key; use {v})' if k in
            OBSOLETE_KEYS else f'"{k}" (did you mean "{v}"?)'
            for k, v in found.items())
        warnings.warn(f'{source}: top-level key(s) ignored by the runner: '
                      f'{listed}', stacklevel=2)
    return found
