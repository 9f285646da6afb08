import math

import pytest
import torch
import torch.nn.functional as F

from qdtrack.models.losses import (
    InfoNCELoss,
    UnbiasedContrastLoss,
    info_nce,
    unbiased_contrastive,
)
from qdtrack.registry import MODELS

# one key RoI against 4 reference RoIs: two positives, two negatives
PRED = torch.tensor([[2., 1., 0., -1.]])
TARGET = torch.tensor([[1, 1, 0, 0]])


def test_unbiased_hand_computed():
    # D = (e^2 + e^1) / 2 + e^0 + e^-1; loss = mean_p (log D - s_p)
    d = (math.exp(2) + math.exp(1)) / 2 + math.exp(0) + math.exp(-1)
    expected = ((math.log(d) - 2) + (math.log(d) - 1)) / 2
    assert expected == pytest.approx(0.359659, abs=1e-6)
    loss = unbiased_contrastive(PRED, TARGET)
    assert loss.shape == (1, )
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_info_nce_hand_computed():
    neg = math.exp(0) + math.exp(-1)
    expected = (-math.log(math.exp(2) / (math.exp(2) + neg)) -
                math.log(math.exp(1) / (math.exp(1) + neg))) / 2
    assert expected == pytest.approx(0.288726, abs=1e-6)
    assert info_nce(PRED, TARGET).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize('fn', [info_nce, unbiased_contrastive])
def test_one_positive_is_softmax_cross_entropy(fn):
    g = torch.Generator().manual_seed(0)
    pred = torch.randn(5, 7, generator=g) * 3
    pos = torch.randint(0, 7, (5, ), generator=g)
    target = F.one_hot(pos, 7)
    expected = F.cross_entropy(pred, pos, reduction='none')
    torch.testing.assert_close(fn(pred, target), expected)


def test_excluded_pairs_and_empty_rows():
    pred = torch.tensor([[2., 1., 0., -1., 50.], [1., 2., 3., 4., 5.],
                         [1., 2., 3., 4., 5.]])
    target = torch.tensor([[1, 1, 0, 0, -1], [0, 0, 0, 0, 0],
                           [1, 1, -1, -1, -1]])
    unbiased = unbiased_contrastive(pred, target)
    nce = info_nce(pred, target)
    # -1 excludes column 4 of row 0: same as the 4-column case
    assert unbiased[0].item() == pytest.approx(
        unbiased_contrastive(PRED, TARGET).item(), rel=1e-6)
    assert nce[0].item() == pytest.approx(
        info_nce(PRED, TARGET).item(), rel=1e-6)
    # no positive: 0
    assert unbiased[1] == 0 and nce[1] == 0
    # positives only: InfoNCE has nothing to contrast (0); the unbiased
    # loss is log(mean exp) - mean s = log((e + e^2) / 2) - 1.5
    assert nce[2] == 0
    assert unbiased[2].item() == pytest.approx(
        math.log((math.e + math.e**2) / 2) - 1.5, rel=1e-6)


@pytest.mark.parametrize('fn', [info_nce, unbiased_contrastive])
def test_stable_for_large_logits(fn):
    pred = PRED * 1000
    pred.requires_grad_()
    loss = fn(pred, TARGET)
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(pred.grad).all()


@pytest.mark.parametrize('name,fn', [('InfoNCELoss', info_nce),
                                     ('UnbiasedContrastLoss',
                                      unbiased_contrastive)])
def test_modules_reduce_rows_with_weights(name, fn):
    loss = MODELS.build(dict(type=name, loss_weight=0.25))
    assert isinstance(loss, (InfoNCELoss, UnbiasedContrastLoss))
    pred = torch.tensor([[2., 1., 0., -1.], [0., 3., 1., 0.5]])
    target = torch.tensor([[1, 1, 0, 0], [0, 1, 0, 0]])
    weight = torch.tensor([1., 0.])
    rows = fn(pred, target)
    out = loss(pred, target, weight, avg_factor=weight.sum())
    assert out.item() == pytest.approx(0.25 * rows[0].item(), rel=1e-6)
    out = loss(pred, target)
    assert out.item() == pytest.approx(0.25 * rows.mean().item(), rel=1e-6)


def test_embed_head_gives_cosine_over_temperature():
    head = MODELS.build(
        dict(
            type='QuasiDenseEmbedHead',
            num_convs=0,
            num_fcs=0,
            roi_feat_size=1,
            in_channels=4,
            embed_channels=4,
            cosine_logits=True,
            softmax_temp=0.07,
            loss_track=dict(type='InfoNCELoss')))
    key = torch.tensor([[1., 0., 0., 0.], [1., 1., 0., 0.]])
    ref = torch.tensor([[2., 0., 0., 0.], [0., 3., 0., 0.]])
    dists, cos = head.match([key], [ref])
    expected = torch.tensor([[1., 0.], [2**-0.5, 2**-0.5]])
    torch.testing.assert_close(cos[0], expected)
    torch.testing.assert_close(dists[0], expected / 0.07)
    head.cosine_logits = False
    dists, _ = head.match([key], [ref])
    torch.testing.assert_close(dists[0], key @ ref.t() / 0.07)
