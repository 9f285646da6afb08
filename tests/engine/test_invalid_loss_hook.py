"""InvalidLossHook: a NaN loss or inf gradient never reaches the weights."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from qdtrack.engine import DivergenceError, InvalidLossHook

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from regressor_runner import Regressor, make_runner  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class _Weights(Hook):
    """Records the weights after every iteration."""

    priority = 'LOWEST'

    def __init__(self):
        self.after = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.after.append(runner.model.fc.weight.detach().clone())


def test_stop_names_iteration_terms_and_last_checkpoint(tmp_path):
    # iteration 6 (epoch 2, batch 2) returns a NaN auxiliary loss
    runner = make_runner(tmp_path, max_epochs=3,
                         model=Regressor(nan_at={6}),
                         custom_hooks=[dict(type='InvalidLossHook')])
    with pytest.raises(DivergenceError) as info:
        runner.train()
    msg = str(info.value)
    assert msg.startswith('non-finite training values at iteration 6 '
                          '(epoch 2, batch 2): loss=nan, loss_aux=nan.')
    assert ('the last good checkpoint is '
            f'{osp.join(str(tmp_path), "epoch_1.pth")}') in msg
    # the NaN step was not applied and no later checkpoint was written
    assert torch.isfinite(runner.model.fc.weight).all()
    assert not osp.exists(tmp_path / 'epoch_2.pth')


def test_skip_leaves_weights_and_momentum_untouched(tmp_path):
    weights = _Weights()
    runner = make_runner(tmp_path, max_epochs=2,
                         model=Regressor(nan_at={3}),
                         custom_hooks=[dict(type='InvalidLossHook',
                                            action='skip'), weights])
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, InvalidLossHook))
    assert hook.skipped == 1 and runner.iter == 8
    # iteration 3 changed nothing; the others did
    torch.testing.assert_close(weights.after[2], weights.after[1])
    assert not torch.equal(weights.after[3], weights.after[2])
    assert torch.isfinite(runner.model.fc.weight).all()


def test_inf_gradient_with_finite_loss_is_refused(tmp_path):
    runner = make_runner(tmp_path, model=Regressor(inf_grad_at={2}),
                         custom_hooks=[dict(type='InvalidLossHook')])
    with pytest.raises(DivergenceError,
                       match=r'iteration 2 \(epoch 1, batch 2\): gradients '
                       r'of fc\.bias\..*none \(no checkpoint saved yet\)'):
        runner.train()
    assert torch.isfinite(runner.model.fc.bias).all()


def test_skip_stops_after_too_many_in_a_row(tmp_path):
    runner = make_runner(tmp_path, model=Regressor(nan_at={2, 3, 4}),
                         custom_hooks=[dict(type='InvalidLossHook',
                                            action='skip',
                                            max_consecutive_skips=3)])
    with pytest.raises(DivergenceError,
                       match=r'iteration 4 .*\(3 steps in a row skipped\)'):
        runner.train()


def test_bad_arguments_and_runtime_config():
    with pytest.raises(ValueError, match="action must be 'stop' or 'skip'"):
        InvalidLossHook(action='ignore')
    with pytest.raises(ValueError, match='max_consecutive_skips must be'):
        InvalidLossHook(max_consecutive_skips=0)
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/qdtrack/qdtrack_faster-rcnn_toy.py'))
    assert dict(type='InvalidLossHook', action='stop') in cfg.custom_hooks
