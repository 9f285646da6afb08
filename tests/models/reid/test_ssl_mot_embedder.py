"""SSL-MOT's embedder: views, spread, and collapse without redundancy."""
import math

import pytest
import torch

from qdtrack.models.reid import (
    SSLMOTEmbedder,
    embedding_spread,
    random_views,
)
from qdtrack.registry import MODELS

TINY_BACKBONE = dict(
    type='mmdet.MobileNetV2', widen_factor=0.25, out_indices=(2, ))


def crops(num=32, seed=0):
    """Crops of distinct smooth colour patterns (N, 3, 32, 16)."""
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.randn(num, 3, 4, 2, generator=gen)
    return torch.nn.functional.interpolate(
        coarse, size=(32, 16), mode='bilinear', align_corners=False)


def test_embedding_spread_extremes():
    gen = torch.Generator().manual_seed(0)
    spread = embedding_spread(torch.randn(4096, 16, generator=gen))
    assert spread.item() == pytest.approx(1.0, abs=0.03)
    same = torch.randn(1, 16, generator=gen).repeat(8, 1)
    assert embedding_spread(same).item() == pytest.approx(0.0, abs=1e-6)
    # two opposite directions: std 1 on one axis of 16 -> 1/sqrt(16) * 4
    two = torch.zeros(8, 16)
    two[::2, 0], two[1::2, 0] = 1, -1
    assert embedding_spread(two).item() == pytest.approx(
        math.sqrt(8 / 7) / 16 * 4, rel=1e-5)


def test_random_views_are_random_and_identity_when_disabled():
    x = crops(4)
    gen = torch.Generator().manual_seed(0)
    v1, v2 = random_views(x, gen), random_views(x, gen)
    assert v1.shape == x.shape and not torch.allclose(v1, v2)
    same = random_views(x, gen, scale=(1.0, 1.0), max_shift=0.0,
                        flip_prob=0.0, jitter=0.0)
    torch.testing.assert_close(same, x, atol=1e-5, rtol=0)
    flipped = random_views(x, gen, scale=(1.0, 1.0), max_shift=0.0,
                           flip_prob=1.0, jitter=0.0)
    torch.testing.assert_close(flipped, x.flip(-1), atol=1e-5, rtol=0)


def train(redundancy_weight, steps=40, seed=0):
    """A few dozen Adam steps of a tiny embedder without predictor and
    output batch norm (either of which alone keeps a run this short from
    collapsing); the spread and mean cross-crop cosine of the embeddings of
    all crops (eval mode) at the end."""
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(
            type='SSLMOTEmbedder',
            backbone=TINY_BACKBONE,
            in_channels=8,
            embed_dim=16,
            proj_hidden=32,
            pred_hidden=0,
            proj_out_bn=False,
            loss=dict(
                type='SSLMOTLoss', redundancy_weight=redundancy_weight)))
    assert isinstance(model, SSLMOTEmbedder)
    data = crops()
    gen = torch.Generator().manual_seed(seed)
    optim = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        out = model.loss(random_views(data, gen), random_views(data, gen))
        optim.zero_grad()
        out['loss'].backward()
        optim.step()
    model.eval()
    embeds = model.embed(data)
    cos = embeds @ embeds.t()
    mean_cos = (cos.sum() - cos.diagonal().sum()) / (len(cos) *
                                                     (len(cos) - 1))
    return embedding_spread(embeds).item(), mean_cos.item()


@pytest.mark.parametrize('seed', [0, 1])
def test_redundancy_term_prevents_collapse(seed):
    spread0, cos0 = train(redundancy_weight=0.0, seed=seed)
    spread1, cos1 = train(redundancy_weight=1.0, seed=seed)
    assert spread0 < 0.5 and cos0 > 0.7  # invariance alone: collapse
    assert spread1 > 0.8 and cos1 < 0.3
