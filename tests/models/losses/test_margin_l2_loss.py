import pytest
import torch
from mmdet.models.losses import L2Loss as MMDetL2Loss

from qdtrack.models.losses import MarginL2Loss
from qdtrack.registry import MODELS

PUBLIC_CFG = dict(neg_pos_ub=3, pos_margin=0, neg_margin=0.1,
                  hard_mining=True, loss_weight=1.0)


def test_hand_computed_with_hard_mining():
    # one positive, five negatives -> keep the 3 hardest negatives
    pred = torch.tensor([[0.6, 0.9, 0.35, 0.05, 0.5, -0.2]])
    target = torch.tensor([[1, 0, 0, 0, 0, 0]])
    loss = MarginL2Loss(**PUBLIC_CFG)(pred, target)
    pos = (0.6 - 1)**2
    negs = [(0.9 - 0.1)**2, (0.35 - 0.1)**2, (0.5 - 0.1)**2]
    assert loss.item() == pytest.approx((pos + sum(negs)) / 4, rel=1e-6)


def test_no_mining_below_bound_and_margins():
    pred = torch.tensor([[1.3, 0.05], [0.7, 0.2]])
    target = torch.tensor([[1, 0], [1, 0]])
    loss_fn = MarginL2Loss(
        neg_pos_ub=3, pos_margin=0.2, neg_margin=0.1, hard_mining=True)
    loss = loss_fn(pred, target, reduction_override='none')
    expected = torch.tensor([[(1.0 - 1)**2, 0.0], [(0.5 - 1)**2, 0.1**2]])
    torch.testing.assert_close(loss, expected)


def test_no_positive_keeps_no_negative():
    pred = torch.rand(3, 4)
    loss = MarginL2Loss(**PUBLIC_CFG)(pred, torch.zeros(3, 4,
                                                       dtype=torch.long))
    assert loss.item() == 0


def test_random_mining_keeps_bound():
    loss_fn = MarginL2Loss(neg_pos_ub=3, hard_mining=False)
    cost = torch.rand(4, 10)
    neg = torch.ones(4, 10, dtype=torch.bool)
    neg[0, :2] = False
    keep = loss_fn.select_negatives(cost, neg, num_pos=2)
    assert int(keep.sum()) == 6
    assert not (keep & ~neg).any()
    hard = MarginL2Loss(neg_pos_ub=3).select_negatives(cost, neg, 2)
    kept_costs = cost[hard]
    assert kept_costs.min() >= cost[neg & ~hard].max()


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_matches_mmdet_l2loss(seed):
    gen = torch.Generator().manual_seed(seed)
    pred = torch.rand(12, 30, generator=gen) * 2 - 1
    target = (torch.rand(12, 30, generator=gen) < 0.1).long()
    ours = MarginL2Loss(**PUBLIC_CFG)(pred.clone(), target.clone())
    theirs = MMDetL2Loss(**PUBLIC_CFG)(pred.clone(), target.clone())
    torch.testing.assert_close(ours, theirs)
    # without mining and with a positive margin as well
    cfg = dict(neg_pos_ub=-1, pos_margin=0.3, neg_margin=0.2)
    ours = MarginL2Loss(**cfg)(pred.clone(), target.clone())
    theirs = MMDetL2Loss(**cfg)(pred.clone(), target.clone())
    torch.testing.assert_close(ours, theirs)


def test_gradient_and_no_inplace():
    pred = (torch.rand(5, 8) * 2 - 1).requires_grad_()
    target = torch.zeros(5, 8, dtype=torch.long)
    target[0, 0] = target[1, 1] = 1
    before = pred.detach().clone()
    loss = MODELS.build(dict(type='MarginL2Loss', **PUBLIC_CFG))(pred,
                                                                 target)
    loss.backward()
    torch.testing.assert_close(pred.detach(), before)
    assert torch.isfinite(pred.grad).all()
    # at most 2 positives + 6 negatives get a gradient
    assert int((pred.grad != 0).sum()) <= 8
