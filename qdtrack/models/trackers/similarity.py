"""Similarity between detection embeddings and a memory of embeddings.

The functions here are stateless and vectorised. They are used by
:class:`QuasiDenseTrackManager` and can be reused by any tracker that
associates appearance embeddings.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .point_similarity import POINT_METRICS, point_similarity

EMBED_METRICS = ('bisoftmax', 'softmax', 'cosine', 'masa')
#: All metrics; those of :data:`POINT_METRICS` (UniTrack) compare point
#: features (N, C, H, W), the others embeddings (N, D).
MATCH_METRICS = EMBED_METRICS + POINT_METRICS


def _softmax(logits: Tensor, dim: int, valid: Optional[Tensor]) -> Tensor:
    """Softmax over ``dim`` restricted to the ``valid`` entries.

    Entries outside ``valid`` get probability 0; a slice without any valid
    entry is all zeros (instead of NaN).
    """
    if valid is None:
        return logits.softmax(dim=dim)
    probs = logits.masked_fill(~valid, float('-inf')).softmax(dim=dim)
    return torch.nan_to_num(probs, nan=0.0)


def bisoftmax_similarity(embeds: Tensor,
                         memo_embeds: Tensor,
                         valid: Optional[Tensor] = None) -> Tensor:
    """Bi-directional softmax similarity (QDTrack paper, Eq. 8).

    ``f(i, j) = [softmax_j(n_i . m_j) + softmax_i(n_i . m_j)] / 2``: the mean
    of the softmax over memory items (detection-to-track) and the softmax over
    detections (track-to-detection) of the raw dot products.

    Args:
        embeds (Tensor): Detection embeddings of shape (N, D).
        memo_embeds (Tensor): Memory embeddings of shape (M, D).
        valid (Tensor, optional): Boolean mask of shape (N, M). When given,
            both softmaxes run over the valid entries only and invalid
            entries get 0. Defaults to None (all entries valid).

    Returns:
        Tensor: Similarity of shape (N, M), values in [0, 1].
    """
    logits = torch.mm(embeds, memo_embeds.t())
    d2t = _softmax(logits, 1, valid)
    t2d = _softmax(logits, 0, valid)
    return d2t.add_(t2d).mul_(0.5)


def softmax_similarity(embeds: Tensor,
                       memo_embeds: Tensor,
                       valid: Optional[Tensor] = None) -> Tensor:
    """One-directional softmax over memory items of the dot products.

    Args:
        embeds (Tensor): Detection embeddings of shape (N, D).
        memo_embeds (Tensor): Memory embeddings of shape (M, D).
        valid (Tensor, optional): Boolean mask of shape (N, M) restricting
            the softmax. Defaults to None.

    Returns:
        Tensor: Similarity of shape (N, M), values in [0, 1].
    """
    return _softmax(torch.mm(embeds, memo_embeds.t()), 1, valid)


def cosine_similarity(embeds: Tensor, memo_embeds: Tensor) -> Tensor:
    """Cosine similarity of every detection with every memory item.

    Args:
        embeds (Tensor): Detection embeddings of shape (N, D).
        memo_embeds (Tensor): Memory embeddings of shape (M, D).

    Returns:
        Tensor: Similarity of shape (N, M), values in [-1, 1].
    """
    return torch.mm(
        F.normalize(embeds, p=2, dim=1),
        F.normalize(memo_embeds, p=2, dim=1).t())


def match_similarity(embeds: Tensor,
                     memo_embeds: Tensor,
                     metric: str = 'bisoftmax',
                     valid: Optional[Tensor] = None,
                     mask_before_softmax: bool = False) -> Tensor:
    """Similarity used for association, with invalid pairs set to -inf.

    Args:
        embeds (Tensor): Detection embeddings of shape (N, D), or point
            features (N, C, H, W) for the point metrics.
        memo_embeds (Tensor): Memory embeddings of shape (M, D), or point
            features (M, C, H, W).
        metric (str): One of ``'bisoftmax'`` (QDTrack), ``'softmax'``
            (detection-to-track softmax only), ``'cosine'``, ``'masa'``
            (mean of bi-softmax and cosine, as in MASA), and UniTrack's
            ``'rsm'`` (reconstruction similarity, its softmaxes over all
            memory items and detections), ``'global'`` and ``'center'``
            (:mod:`.point_similarity`). Defaults to ``'bisoftmax'``.
        valid (Tensor, optional): Boolean mask of shape (N, M) of the pairs
            that may be associated (e.g. same category). Invalid pairs get
            ``-inf``. Defaults to None.
        mask_before_softmax (bool): If True the softmaxes are normalised over
            valid pairs only (the TAO tracker of the public QDTrack code);
            if False they run over all memory items and detections and the
            mask is applied afterwards (the MOT17/BDD100K tracker). Defaults
            to False. Not used by the point metrics.

    Returns:
        Tensor: Similarity of shape (N, M).
    """
    if metric not in MATCH_METRICS:
        raise ValueError(f'match metric must be one of {MATCH_METRICS}, '
                         f'got {metric!r}')
    softmax_valid = valid if mask_before_softmax else None
    if metric in POINT_METRICS:
        sim = point_similarity(embeds, memo_embeds, metric)
    elif metric == 'bisoftmax':
        sim = bisoftmax_similarity(embeds, memo_embeds, softmax_valid)
    elif metric == 'softmax':
        sim = softmax_similarity(embeds, memo_embeds, softmax_valid)
    elif metric == 'cosine':
        sim = cosine_similarity(embeds, memo_embeds)
    else:
        sim = bisoftmax_similarity(embeds, memo_embeds, softmax_valid).add_(
            cosine_similarity(embeds, memo_embeds)).mul_(0.5)
    if valid is not None:
        sim = sim.masked_fill_(~valid, float('-inf'))
    return sim
