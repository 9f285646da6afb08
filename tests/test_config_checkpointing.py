"""Every config saves often enough to resume and guards against NaN.

A killed training should lose little: the paper configs (hours per epoch)
save every epoch, the short toy runs every 100 iterations at most, all
crash-safe (AtomicCheckpointHook), with a bounded number kept, and resume
mid-epoch without replaying batches (ResumableEpochBasedTrainLoop). Every
config carries the invalid-loss check.
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import IterBasedTrainLoop

from qdtrack import register_all_modules
from qdtrack.engine import AtomicCheckpointHook, ResumableEpochBasedTrainLoop
from qdtrack.registry import HOOKS, LOOPS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    osp.relpath(p, ROOT)
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                       recursive=True) if '_base_' not in p)
# Most iterations per epoch of by-epoch toy configs (measured; the PK
# sampler's epochs differ in length).
TOY_EPOCH_ITERS = {
    'configs/simplereid/simplereid_mobilenetv2_toy.py': 95,
}
MAX_TOY_GAP = 100  # iterations between two checkpoints of a toy run


def _load(path):
    register_all_modules()
    return Config.fromfile(osp.join(ROOT, path))


def _trains(cfg):
    return bool(cfg.get('train_dataloader') and cfg.get('train_cfg'))


TRAINING = [p for p in CONFIGS if _trains(_load(p))]


def test_the_configs_are_found():
    assert len(CONFIGS) >= 30
    assert {'configs/qdtrack/qdtrack_faster-rcnn_r50_fpn_12e_bdd100k.py',
            'configs/qdtrack/qdtrack_faster-rcnn_r101_fpn_12e_tao.py',
            'configs/masa/masa_r50_8xb8-12e_sa1b.py',
            'configs/simplereid/simplereid_r50_b32-60e_mot17-pseudo.py',
            'configs/qdtrack/qdtrack_faster-rcnn_toy.py'} <= set(TRAINING)


@pytest.mark.parametrize('path', CONFIGS)
def test_invalid_loss_hook_in_every_config(path):
    hooks = [h for h in _load(path).get('custom_hooks', [])
             if h['type'] == 'InvalidLossHook']
    assert len(hooks) == 1, f'{path}: {len(hooks)} InvalidLossHook'
    assert hooks[0].get('action', 'stop') in ('stop', 'skip')


@pytest.mark.parametrize('path', TRAINING)
def test_training_configs_save_often_enough_to_resume(path):
    cfg = _load(path)
    hook = cfg.default_hooks.checkpoint
    assert issubclass(HOOKS.get(hook.type), AtomicCheckpointHook), hook
    # mmengine's iteration loop resumes at the saved iteration itself
    assert issubclass(LOOPS.get(cfg.train_cfg.type),
                      (ResumableEpochBasedTrainLoop, IterBasedTrainLoop)), \
        cfg.train_cfg
    # bounded disk use, and more than one kept in case the last is bad
    assert 2 <= hook.get('max_keep_ckpts', -1) <= 3, hook
    assert hook.get('save_last', True)
    by_epoch = hook.get('by_epoch', True)
    if 'toy' in osp.basename(path):
        if by_epoch:
            gap = hook.interval * TOY_EPOCH_ITERS[path]
        else:
            gap = hook.interval
        assert gap <= MAX_TOY_GAP, f'{path}: {gap} iterations between saves'
    else:
        assert by_epoch and hook.interval == 1, hook
        # an epoch-based schedule: its last epoch is saved by the interval
        assert cfg.train_cfg.max_epochs % hook.interval == 0


def test_toy_schedule_ends_on_a_saved_checkpoint():
    """960 iterations saved every 100, the last one (iter_960) too."""
    cfg = _load('configs/qdtrack/qdtrack_faster-rcnn_toy.py')
    hook = HOOKS.build(cfg.default_hooks.checkpoint)
    assert (hook.interval, hook.by_epoch, hook.max_keep_ckpts,
            hook.save_last) == (100, False, 2, True)
    assert cfg.param_scheduler[1].end == 960
