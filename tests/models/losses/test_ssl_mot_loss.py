"""SSL-MOT's loss against a hand computation."""
import math

import pytest
import torch

from qdtrack.models.losses import SSLMOTLoss, ssl_mot_loss


def test_loss_hand_computed():
    # A = cos(p_i, z_j) = [[1, 1/sqrt2], [0, 1/sqrt2]]
    preds = torch.tensor([[1.0, 0.0], [0.0, 3.0]])
    targets = torch.tensor([[2.0, 0.0], [1.0, 1.0]])
    inv = (0.0 + (1 - 1 / math.sqrt(2))**2) / 2  # mean over 2 diagonals
    red = (0.5 + 0.0) / 2  # mean over 2 off-diagonals
    for weight in (0.0, 1.0, 2.0):
        loss = ssl_mot_loss(preds, targets, weight)
        assert loss.item() == pytest.approx(inv + weight * red, abs=1e-7)
    # the paper's sums: N * loss with lambda = w / (N - 1)
    num, weight = 2, 2.0
    paper = 2 * inv + weight / (num - 1) * 2 * red
    assert (num * ssl_mot_loss(preds, targets, weight)).item() == \
        pytest.approx(paper, abs=1e-6)


def test_loss_random_matches_definition():
    gen = torch.Generator().manual_seed(0)
    preds, targets = torch.randn(6, 5, generator=gen), torch.randn(
        6, 5, generator=gen)
    sim = torch.stack([
        torch.stack([torch.cosine_similarity(p, z, dim=0) for z in targets])
        for p in preds
    ])
    inv = sum((1 - sim[i, i])**2 for i in range(6)) / 6
    red = sum(sim[i, j]**2 for i in range(6) for j in range(6)
              if i != j) / 30
    torch.testing.assert_close(
        ssl_mot_loss(preds, targets, 0.3), inv + 0.3 * red)


def test_symmetric_loss_stops_gradient_at_targets():
    gen = torch.Generator().manual_seed(1)
    p1, p2, z1, z2 = (torch.randn(4, 3, generator=gen, requires_grad=True)
                      for _ in range(4))
    loss_fn = SSLMOTLoss(redundancy_weight=0.5, loss_weight=2.0)
    loss = loss_fn(p1, p2, z1, z2)
    expected = (ssl_mot_loss(p1, z2, 0.5) + ssl_mot_loss(p2, z1, 0.5))
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert p1.grad is not None and p2.grad is not None
    assert z1.grad is None and z2.grad is None
    with pytest.raises(ValueError, match=r'\(N, D\)'):
        ssl_mot_loss(p1, z1[:2], 1.0)
    with pytest.raises(ValueError, match='redundancy_weight'):
        SSLMOTLoss(redundancy_weight=-1.0)
