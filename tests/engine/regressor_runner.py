"""A tiny mmengine Runner (linear regressor) for the engine tests."""
import uuid

import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset, Sampler


class Points(Dataset):
    """16 fixed random 3-d points."""

    def __init__(self, n=16):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 3, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(inputs=self.x[i])


class Regressor(BaseModel):
    """Linear regression to 1; ``nan_at`` makes listed calls return NaN."""

    def __init__(self, nan_at=(), inf_grad_at=()):
        super().__init__()
        self.fc = nn.Linear(3, 1)
        self.nan_at = set(nan_at)
        self.inf_grad_at = set(inf_grad_at)
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.fc(x)
        if mode != 'loss':
            return out
        self.calls += 1
        loss = ((out - 1.0)**2).mean()
        aux = out.mean() * 0
        if self.calls in self.nan_at:
            aux = aux + float('nan')
        if self.calls in self.inf_grad_at:  # finite loss, inf gradient
            loss = loss + _InfGrad.apply(self.fc.bias).sum()
        return dict(loss_reg=loss, loss_aux=aux)


class _InfGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 0

    @staticmethod
    def backward(ctx, grad):
        return grad * float('inf')


class ShrinkingSampler(Sampler):
    """Epoch ``e`` draws ``max(4, n - 4 e)`` of the ``n`` points, in an
    order seeded by ``e``: epochs of 4, 3, 2, 1, 1... batches of 4."""

    def __init__(self, dataset, seed=1):
        self.n = len(dataset)
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return max(4, self.n - 4 * self.epoch)

    def __iter__(self):
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(self.n, generator=g)[:len(self)].tolist())


def make_runner(work_dir, max_epochs=2, model=None, checkpoint=None,
                train_cfg=None, custom_hooks=None, shuffle=True,
                sampler=None, **kwargs):
    """A runner of 4 iterations per epoch, SGD with momentum."""
    torch.manual_seed(0)  # the model is built before the runner seeds
    return Runner(
        model=model or Regressor(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=Points(),
            sampler=sampler or dict(type='DefaultSampler', shuffle=shuffle,
                                    seed=1),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        train_cfg=train_cfg or dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=checkpoint or dict(
            type='CheckpointHook', interval=1)),
        custom_hooks=custom_hooks,
        randomness=dict(seed=3),
        default_scope='qdtrack',
        # runners built in the same second would otherwise share their
        # logger and message hub (named after the time)
        experiment_name=uuid.uuid4().hex,
        **kwargs)


class SquaredError(BaseMetric):
    """Mean squared error of the predictions to 1 (``mse``, lower better).

    ``offsets`` (one per evaluation, cycled) is added to the score so that a
    test can make an evaluation better or worse than the previous one.
    """

    def __init__(self, offsets=(0.0, ), **kwargs):
        super().__init__(**kwargs)
        self.offsets = list(offsets)
        self.calls = 0

    def process(self, data_batch, data_samples):
        for out in data_samples:
            self.results.append(float(((out - 1.0)**2).sum()))

    def compute_metrics(self, results):
        offset = self.offsets[self.calls % len(self.offsets)]
        self.calls += 1
        return dict(mse=sum(results) / len(results) + offset)


def validation(offsets=(0.0, )):
    """Runner arguments that validate on the training points every epoch."""
    return dict(
        val_dataloader=dict(
            dataset=Points(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=4,
            num_workers=0),
        val_evaluator=dict(type=SquaredError, offsets=offsets),
        val_cfg=dict())
