import math

import pytest
import torch
from mmdet.models.losses import (
    MultiPosCrossEntropyLoss as MMDetMultiPosCrossEntropyLoss,
)

from qdtrack.models.losses import (
    MultiPosCrossEntropyLoss,
    multi_pos_cross_entropy,
)
from qdtrack.registry import MODELS


def reference_loss(pred, target):
    """Paper Eq. 5 with explicit double sums, in float64."""
    pred = pred.double()
    out = []
    for row, tgt in zip(pred, target):
        pos = row[tgt >= 1]
        neg = row[tgt == 0]
        total = sum(
            math.exp(float(n - p)) for p in pos for n in neg)
        out.append(math.log1p(total))
    return torch.tensor(out, dtype=torch.float64)


def test_hand_computed_row():
    pred = torch.tensor([[1.0, 2.0, 0.5, -1.0]])
    target = torch.tensor([[1, 0, 1, 0]])
    # pairs (neg, pos): (2,1) (2,.5) (-1,1) (-1,.5)
    expected = math.log(1 + math.exp(1) + math.exp(1.5) + math.exp(-2) +
                        math.exp(-1.5))
    loss = multi_pos_cross_entropy(pred, target)
    assert loss.shape == (1, )
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_rows_without_pos_or_neg_are_zero():
    pred = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.3, 0.1]])
    target = torch.tensor([[0, 0], [1, 1], [1, 0]])
    loss = multi_pos_cross_entropy(pred, target)
    assert loss[0].item() == 0 and loss[1].item() == 0
    assert loss[2].item() == pytest.approx(math.log1p(math.exp(-0.2)))


def test_ignored_entries_are_excluded():
    pred = torch.tensor([[1.0, 2.0, 50.0]])
    target = torch.tensor([[1, 0, -1]])
    loss = multi_pos_cross_entropy(pred, target)
    assert loss.item() == pytest.approx(math.log1p(math.e), rel=1e-6)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_explicit_double_sum(seed):
    gen = torch.Generator().manual_seed(seed)
    pred = torch.randn(7, 11, generator=gen) * 3
    target = (torch.rand(7, 11, generator=gen) < 0.3).long()
    loss = multi_pos_cross_entropy(pred, target)
    torch.testing.assert_close(
        loss.double(), reference_loss(pred, target), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_matches_mmdet(seed):
    gen = torch.Generator().manual_seed(seed)
    pred = torch.randn(9, 20, generator=gen) * 4
    target = (torch.rand(9, 20, generator=gen) < 0.2).long()
    target[0] = 0  # a row without positives
    target[1] = 1  # a row without negatives
    weight = (target.sum(1) > 0).float()
    ours = MultiPosCrossEntropyLoss(loss_weight=0.25)
    theirs = MMDetMultiPosCrossEntropyLoss(loss_weight=0.25)
    for kwargs in (dict(), dict(weight=weight, avg_factor=weight.sum()),
                   dict(weight=weight, reduction_override='sum'),
                   dict(reduction_override='none')):
        torch.testing.assert_close(
            ours(pred, target, **kwargs), theirs(pred, target, **kwargs))


def test_large_logits_are_finite_and_exact():
    pred = torch.tensor([[1000.0, -1000.0, 900.0], [-5e4, 5e4, 0.0]],
                        requires_grad=True)
    target = torch.tensor([[0, 1, 1], [1, 0, 0]])
    loss = multi_pos_cross_entropy(pred, target)
    # row 0: dominated by exp(1000 + 1000) -> 2000; row 1 -> 1e5
    torch.testing.assert_close(loss.detach(), torch.tensor([2000.0, 1e5]))
    loss.sum().backward()
    assert torch.isfinite(pred.grad).all()
    # d/d pred of the dominant difference: +1 for the negative, -1 for
    # the hardest positive
    torch.testing.assert_close(
        pred.grad, torch.tensor([[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0]]))


def test_gradient_finite_on_degenerate_rows():
    pred = torch.randn(3, 4, requires_grad=True)
    target = torch.tensor([[0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]])
    multi_pos_cross_entropy(pred, target).sum().backward()
    assert torch.isfinite(pred.grad).all()
    assert (pred.grad[:2] == 0).all()
    assert (pred.grad[2] != 0).all()


def test_empty_input():
    loss = MultiPosCrossEntropyLoss()(
        torch.zeros(0, 5), torch.zeros(0, 5, dtype=torch.long),
        torch.zeros(0), avg_factor=torch.tensor(0.))
    assert loss.item() == 0


def test_build_from_registry():
    loss = MODELS.build(
        dict(type='MultiPosCrossEntropyLoss', loss_weight=0.25))
    assert isinstance(loss, MultiPosCrossEntropyLoss)
    pred = torch.tensor([[0.0, 0.0]])
    target = torch.tensor([[1, 0]])
    assert loss(pred, target).item() == pytest.approx(0.25 * math.log(2))
