"""Misspelt and obsolete top-level config keys are reported."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from qdtrack.utils.config_check import (
    unknown_config_keys,
    warn_unknown_config_keys,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


CONFIGS = sorted(
    osp.relpath(p, ROOT)
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                       recursive=True) if '_base_' not in p)


@pytest.mark.parametrize('config', CONFIGS)
def test_project_configs_are_clean(config):
    assert unknown_config_keys(Config.fromfile(osp.join(ROOT, config))) == {}


def test_misspelt_and_obsolete_keys():
    cfg = Config(dict(model=dict(), optim_wraper=dict(), default_hook=dict(),
                      train_dataloder=dict(), lr_config=dict(),
                      fpn_channels=64, data_root='x', train_pipeline=[]))
    assert unknown_config_keys(cfg) == {
        'optim_wraper': 'optim_wrapper',
        'default_hook': 'default_hooks',
        'train_dataloder': 'train_dataloader',
        'lr_config': 'param_scheduler',
    }
    with pytest.warns(UserWarning) as record:
        warn_unknown_config_keys(cfg, 'my_config.py')
    msg = str(record[0].message)
    assert msg.startswith('my_config.py: top-level key(s) ignored by the '
                          'runner: "optim_wraper" (did you mean '
                          '"optim_wrapper"?)')
    assert '"lr_config" (an MMDetection 2.x key; use param_scheduler)' in msg
