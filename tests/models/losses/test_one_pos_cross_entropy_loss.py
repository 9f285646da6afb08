import math

import pytest
import torch

from qdtrack.models.losses import (
    MultiPosCrossEntropyLoss,
    OnePosCrossEntropyLoss,
    one_pos_cross_entropy,
)


def test_hand_computed():
    pred = torch.tensor([[2.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    target = torch.tensor([[0, 0, 1], [0, 0, 0]])
    loss = one_pos_cross_entropy(pred, target)
    denom = math.exp(2) + math.exp(0) + math.exp(1)
    assert loss[0].item() == pytest.approx(-math.log(math.e / denom))
    assert loss[1].item() == 0


def test_excluded_columns():
    pred = torch.tensor([[1.0, 3.0, 100.0]])
    target = torch.tensor([[1, 0, -1]])
    expected = math.log1p(math.exp(2.0))
    assert one_pos_cross_entropy(pred, target).item() == pytest.approx(
        expected, rel=1e-6)


@pytest.mark.parametrize('seed', [0, 1])
def test_equals_multi_positive_on_one_hot_targets(seed):
    gen = torch.Generator().manual_seed(seed)
    pred = torch.randn(8, 12, generator=gen) * 5
    cols = torch.randint(0, 12, (8, ), generator=gen)
    target = torch.zeros(8, 12, dtype=torch.long)
    target[torch.arange(8), cols] = 1
    target[3] = 0
    weight = (target.sum(1) > 0).float()
    one = OnePosCrossEntropyLoss(loss_weight=0.25)(
        pred, target, weight, avg_factor=weight.sum())
    multi = MultiPosCrossEntropyLoss(loss_weight=0.25)(
        pred, target, weight, avg_factor=weight.sum())
    torch.testing.assert_close(one, multi)


def test_rejects_several_positives():
    with pytest.raises(ValueError):
        one_pos_cross_entropy(torch.zeros(1, 3), torch.tensor([[1, 1, 0]]))


def test_gradient_finite():
    pred = torch.randn(3, 4, requires_grad=True)
    target = torch.tensor([[0, 0, 0, 0], [0, 1, 0, -1], [1, 0, 0, 0]])
    one_pos_cross_entropy(pred, target).sum().backward()
    assert torch.isfinite(pred.grad).all()
    assert (pred.grad[0] == 0).all()
    assert pred.grad[1, 3] == 0
