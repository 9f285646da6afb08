"""SSL-MOT: an appearance embedding learned from detection crops alone.

Kim, Lee and Ko (Applied Intelligence, 2022): two augmented views of each
detection crop go through a SimSiam network (encoder = backbone +
projector, then a predictor on one side and a stop-gradient on the other);
the loss asks each crop's two views to agree (invariance) and different
crops to be decorrelated (redundancy reduction), see
:class:`~qdtrack.models.losses.SSLMOTLoss`. No identity is used.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from qdtrack.registry import MODELS


def random_views(crops: Tensor,
                 generator: Optional[torch.Generator] = None,
                 scale: Tuple[float, float] = (0.6, 1.0),
                 max_shift: float = 0.15,
                 flip_prob: float = 0.5,
                 jitter: float = 0.4) -> Tensor:
    """One random view of each crop, batched (no torchvision).

    Each crop is zoomed in by a random factor in ``scale`` (area), shifted
    by up to ``max_shift`` of its size, mirrored with ``flip_prob``
    (one affine resampling, border pixels repeated), and its brightness and
    contrast are scaled by random factors in ``[1 - jitter, 1 + jitter]``
    (on normalised inputs: a gain about the crop's mean plus an offset).

    Args:
        crops (Tensor): (N, C, H, W) crops.
        generator (torch.Generator, optional): Source of randomness.
        scale (tuple[float, float]): Range of the kept area fraction.
        max_shift (float): Largest shift, as a fraction of the crop size.
        flip_prob (float): Probability of a horizontal flip.
        jitter (float): Brightness / contrast jitter.

    Returns:
        Tensor: (N, C, H, W) views.
    """
    num = crops.size(0)

    def uniform(low, high):
        return torch.rand(num, generator=generator) * (high - low) + low

    zoom = uniform(*scale).sqrt()
    flip = torch.where(
        torch.rand(num, generator=generator) < flip_prob, -1.0, 1.0)
    theta = torch.zeros(num, 2, 3)
    theta[:, 0, 0] = zoom * flip
    theta[:, 1, 1] = zoom
    theta[:, 0, 2] = uniform(-max_shift, max_shift)
    theta[:, 1, 2] = uniform(-max_shift, max_shift)
    grid = F.affine_grid(theta.to(crops), list(crops.shape),
                         align_corners=False)
    views = F.grid_sample(crops, grid, padding_mode='border',
                          align_corners=False)
    mean = views.mean(dim=(1, 2, 3), keepdim=True)
    contrast = uniform(1 - jitter, 1 + jitter).to(crops).view(-1, 1, 1, 1)
    brightness = uniform(-jitter, jitter).to(crops).view(-1, 1, 1, 1)
    return (views - mean) * contrast + mean + brightness


def embedding_spread(embeds: Tensor) -> Tensor:
    """How spread L2-normalised embeddings are: SimSiam's collapse measure.

    The per-dimension standard deviation of the normalised embeddings,
    averaged over dimensions and multiplied by sqrt(D): about 1 for
    embeddings spread over the sphere, 0 when all are equal (collapse).

    Args:
        embeds (Tensor): (N, D) embeddings, N >= 2.

    Returns:
        Tensor: Scalar spread.
    """
    normed = F.normalize(embeds, dim=1)
    return normed.std(dim=0).mean() * math.sqrt(embeds.size(1))


def _mlp(in_dim: int, hidden: int, out_dim: int, last_bn: bool) -> nn.Module:
    layers = [
        nn.Linear(in_dim, hidden, bias=False),
        nn.BatchNorm1d(hidden),
        nn.ReLU(inplace=True),
        nn.Linear(hidden, out_dim, bias=not last_bn)
    ]
    if last_bn:
        layers.append(nn.BatchNorm1d(out_dim, affine=False))
    return nn.Sequential(*layers)


@MODELS.register_module()
class SSLMOTEmbedder(BaseModule):
    """SimSiam-style crop embedder trained with the SSL-MOT loss.

    ``encoder = projector(global average pool(backbone(crop)[-1]))``;
    ``predictor`` is a bottleneck MLP. :meth:`loss` takes two views of the
    same crops; :meth:`embed` gives the encoder's L2-normalised output,
    the appearance embedding used for tracking.

    Args:
        backbone (dict): Config of a backbone returning a tuple of feature
            maps; the last one is pooled.
        in_channels (int): Channels of that map.
        embed_dim (int): Embedding (projector output) size. Defaults to 128.
        proj_hidden (int): Projector hidden size. Defaults to 256.
        pred_hidden (int): Predictor hidden size (SimSiam's bottleneck,
            a quarter of the embedding); 0 means no predictor (the
            stop-gradient alone). Defaults to 32.
        proj_out_bn (bool): Batch norm (no affine) on the projector output,
            as in SimSiam. In training mode it makes every dimension
            zero-mean and unit-variance over the batch, which rules out the
            constant collapse by construction. Defaults to True.
        loss (dict): Config of the loss. Defaults to ``SSLMOTLoss``.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 backbone: dict,
                 in_channels: int,
                 embed_dim: int = 128,
                 proj_hidden: int = 256,
                 pred_hidden: int = 32,
                 proj_out_bn: bool = True,
                 loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.backbone = MODELS.build(backbone)
        self.projector = _mlp(in_channels, proj_hidden, embed_dim,
                              proj_out_bn)
        self.predictor = (
            _mlp(embed_dim, pred_hidden, embed_dim, False)
            if pred_hidden > 0 else nn.Identity())
        self.loss_fn = MODELS.build(loss or dict(type='SSLMOTLoss'))

    def encode(self, crops: Tensor) -> Tensor:
        """Projections z (N, embed_dim) of crops (N, 3, H, W)."""
        feat = self.backbone(crops)[-1]
        return self.projector(feat.mean(dim=(2, 3)))

    def loss(self, view1: Tensor, view2: Tensor) -> dict:
        """SSL-MOT loss of two views (N, 3, H, W) of the same N crops.

        Returns:
            dict: ``loss`` (scalar) and ``spread`` (of the first view's
            projections, detached; see :func:`embedding_spread`).
        """
        z1, z2 = self.encode(view1), self.encode(view2)
        p1, p2 = self.predictor(z1), self.predictor(z2)
        return dict(
            loss=self.loss_fn(p1, p2, z1, z2),
            spread=embedding_spread(z1.detach()))

    @torch.no_grad()
    def embed(self, crops: Tensor) -> Tensor:
        """L2-normalised embeddings (N, embed_dim) of crops (N, 3, H, W)."""
        return F.normalize(self.encode(crops), dim=1)
