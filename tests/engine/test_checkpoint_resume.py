"""mmengine checkpoints save and resume under torch >= 2.6 (weights_only)."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

import qdtrack  # noqa: F401  (installs the numpy allowlist)


class _Points(Dataset):
    def __init__(self, n=16):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 3, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(inputs=self.x[i])


class _Regressor(BaseModel):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(torch.stack(inputs) if isinstance(inputs, list)
                      else inputs)
        if mode == 'loss':
            return dict(loss=((out - 1.0)**2).mean())
        return out


def _runner(work_dir, max_epochs, **kwargs):
    torch.manual_seed(0)  # the model is built before the runner seeds
    return Runner(
        model=_Regressor(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_Points(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=1)),
        randomness=dict(seed=3),
        default_scope='mmengine',
        **kwargs)


def test_checkpoint_has_numpy_and_loads_with_weights_only(tmp_path):
    runner = _runner(tmp_path / 'a', max_epochs=1)
    runner.train()
    ckpt = tmp_path / 'a' / 'epoch_1.pth'
    # The file really needs the allowlist: a fresh interpreter without
    # qdtrack cannot read it with torch's default (weights_only=True).
    code = ('import torch, sys; torch.load(sys.argv[1], map_location="cpu")')
    plain = subprocess.run([sys.executable, '-c', code, str(ckpt)],
                           capture_output=True, text=True)
    assert plain.returncode != 0
    assert 'weights_only' in plain.stderr
    # With qdtrack imported the safe loader accepts it.
    loaded = torch.load(str(ckpt), map_location='cpu')
    assert loaded['meta']['epoch'] == 1
    assert 'fc.weight' in loaded['state_dict']


def test_blanket_unsafe_loading_stays_off(tmp_path):
    """Arbitrary pickled objects are still refused by torch.load."""
    path = tmp_path / 'evil.pth'
    torch.save({'obj': np.random.RandomState(0)}, str(path))
    with pytest.raises(Exception, match='weights_only|Unsupported global'):
        torch.load(str(path), map_location='cpu')


def test_resume_continues_training(tmp_path):
    full = _runner(tmp_path / 'full', max_epochs=3)
    full.train()
    part = _runner(tmp_path / 'part', max_epochs=2)
    part.train()
    resumed = _runner(tmp_path / 'part', max_epochs=3, resume=True,
                      load_from=str(tmp_path / 'part' / 'epoch_2.pth'))
    resumed.train()
    assert resumed.epoch == 3
    assert resumed.iter == full.iter == 12
    # Same init, same data order, resumed momentum buffers: same weights.
    for a, b in zip(full.model.parameters(), resumed.model.parameters()):
        torch.testing.assert_close(a, b)
