"""Similarities of objects described by a grid of point features (UniTrack).

UniTrack (Wang et al., NeurIPS 2021) describes an object by RoIAlign of a
frozen feature map to a grid of points (4 x 10 in its MOT tracker) and
compares two objects in one of three ways:

- reconstruction similarity (RSM): :func:`reconstruction_similarity`;
- global feature (GF): the cosine of the point features averaged over the
  grid (:func:`global_feature_similarity`);
- centre feature (CF): the cosine of the features at the box centre
  (:func:`center_feature_similarity`).

All functions follow :mod:`.similarity`'s convention: detections are rows,
memory items (tracks) columns, and the result is a similarity (higher is
more alike); UniTrack's cost is ``1 - similarity``.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

POINT_METRICS = ('rsm', 'global', 'center')


def _check_points(embeds: Tensor, memo_embeds: Tensor) -> None:
    if embeds.dim() != 4 or memo_embeds.dim() != 4:
        raise ValueError('point features must be (N, C, H, W), got '
                         f'{tuple(embeds.shape)} and '
                         f'{tuple(memo_embeds.shape)}')
    if embeds.shape[1:] != memo_embeds.shape[1:]:
        raise ValueError('detection and memory point features differ in '
                         f'shape: {tuple(embeds.shape[1:])} vs '
                         f'{tuple(memo_embeds.shape[1:])}')


def _points(feats: Tensor) -> Tensor:
    """(N, C, H, W) -> (N, H * W, C), each point vector L2-normalised."""
    return F.normalize(feats.flatten(2), dim=1).transpose(1, 2)


def _reconstruction_cosine(weights: Tensor, aff: Tensor, source: Tensor,
                           target_norm: Tensor) -> Tensor:
    """Cosine of each target with its reconstruction from each source.

    Target item ``a`` (points ``s``) is rebuilt from source item ``b``
    (points ``k``) as ``R_ab[s] = sum_k weights[a, s, b, k] * source[b, k]``;
    the result is ``<flat R_ab, flat target_a> / (|R_ab| |target_a|)``.
    The numerator needs no reconstruction, since ``aff`` already holds the
    point products ``<target[a, s], source[b, k]>``. ``|R_ab|^2`` is
    computed from the reconstructions (work ``A P B P C``) or, when the
    channels outnumber the points, from the sources' Gram matrices (work
    ``A P B P P``); both give the same value.

    Args:
        weights (Tensor): (A, P, B, P) reconstruction weights.
        aff (Tensor): (A, P, B, P) point products target . source.
        source (Tensor): (B, P, C) source point vectors.
        target_norm (Tensor): (A, ) norms of the flattened targets.

    Returns:
        Tensor: (A, B) cosines.
    """
    num_a, num_p, num_b, _ = weights.shape
    dot = (weights * aff).sum(dim=(1, 3))
    by_source = weights.permute(2, 0, 1, 3).reshape(num_b, num_a * num_p,
                                                    num_p)
    if source.size(2) > num_p:  # Gram matrices are the smaller product
        gram = torch.bmm(source, source.transpose(1, 2))  # (B, P, P)
        sq_norm = (torch.bmm(by_source, gram) * by_source).sum(dim=2)
    else:
        recon = torch.bmm(by_source, source)  # (B, A * P, C)
        sq_norm = recon.square().sum(dim=2)
    recon_norm = sq_norm.view(num_b, num_a, num_p).sum(dim=2).sqrt().t()
    # each norm clamped as F.normalize does (the public code normalises
    # both sides): a vanishing reconstruction gets cosine ~0
    return dot / (recon_norm.clamp(min=1e-12) *
                  target_norm.clamp(min=1e-12)[:, None])


def reconstruction_similarity(embeds: Tensor,
                              memo_embeds: Tensor,
                              temperature: float = 0.01) -> Tensor:
    """UniTrack's Reconstruction Similarity Metric, batched.

    As the public UniTrack code computes it (``reconsdot_distance``): every
    point vector is L2-normalised; one affinity matrix of all track points
    against all detection points (one matrix product) goes through a
    softmax at ``temperature`` over its rows (each track point over all
    points of all detections) and one over its columns (each detection
    point over all points of all tracks). Track ``t`` is rebuilt from
    detection ``d`` with the row weights restricted to ``d``'s points, and
    ``d`` from ``t`` with the column weights; each reconstruction is
    flattened and compared by cosine with the flattened original. The
    similarity is ``(cos_td + cos_dt) / 2`` (UniTrack's cost is one minus
    it). Since the softmaxes run over all objects, the result for a pair
    depends on the other objects in the frame.

    Args:
        embeds (Tensor): Detection point features (N, C, H, W).
        memo_embeds (Tensor): Track point features (M, C, H, W).
        temperature (float): Softmax temperature. Defaults to 0.01.

    Returns:
        Tensor: Similarity (N, M), in [-1, 1].
    """
    _check_points(embeds, memo_embeds)
    if temperature <= 0:
        raise ValueError(f'temperature must be > 0, got {temperature}')
    num_d, num_t = embeds.size(0), memo_embeds.size(0)
    if num_d == 0 or num_t == 0:
        return embeds.new_zeros((num_d, num_t))
    fdet, ftrk = _points(embeds), _points(memo_embeds)  # (N, P, C), (M, P, C)
    num_p, chans = fdet.shape[1:]
    aff = torch.mm(ftrk.reshape(-1, chans), fdet.reshape(-1, chans).t())
    logits = aff / temperature
    aff_td = logits.softmax(dim=1).view(num_t, num_p, num_d, num_p)
    aff_dt = logits.softmax(dim=0).view(num_t, num_p, num_d, num_p)
    aff = aff.view(num_t, num_p, num_d, num_p)
    cos_td = _reconstruction_cosine(aff_td, aff, fdet,
                                    ftrk.flatten(1).norm(dim=1))
    cos_dt = _reconstruction_cosine(
        aff_dt.permute(2, 3, 0, 1), aff.permute(2, 3, 0, 1), ftrk,
        fdet.flatten(1).norm(dim=1))
    return cos_td.t().add(cos_dt).mul_(0.5)


def global_feature_similarity(embeds: Tensor, memo_embeds: Tensor) -> Tensor:
    """Cosine of the point features averaged over the grid (UniTrack GF).

    Args:
        embeds (Tensor): Detection point features (N, C, H, W).
        memo_embeds (Tensor): Track point features (M, C, H, W).

    Returns:
        Tensor: Similarity (N, M), in [-1, 1].
    """
    _check_points(embeds, memo_embeds)
    return torch.mm(
        F.normalize(embeds.mean(dim=(2, 3)), dim=1),
        F.normalize(memo_embeds.mean(dim=(2, 3)), dim=1).t())


def center_features(feats: Tensor) -> Tensor:
    """Feature at the box centre: the middle point, or the mean of the 2
    (or 2 x 2) middle points along an even side of the grid.

    RoIAlign's points are bin centres, so for an even side the box centre
    lies halfway between the two middle points.

    Args:
        feats (Tensor): Point features (N, C, H, W).

    Returns:
        Tensor: (N, C).
    """
    height, width = feats.shape[2:]
    rows = slice((height - 1) // 2, height // 2 + 1)
    cols = slice((width - 1) // 2, width // 2 + 1)
    return feats[:, :, rows, cols].mean(dim=(2, 3))


def center_feature_similarity(embeds: Tensor, memo_embeds: Tensor) -> Tensor:
    """Cosine of the features at the box centres (UniTrack CF).

    Args:
        embeds (Tensor): Detection point features (N, C, H, W).
        memo_embeds (Tensor): Track point features (M, C, H, W).

    Returns:
        Tensor: Similarity (N, M), in [-1, 1].
    """
    _check_points(embeds, memo_embeds)
    return torch.mm(
        F.normalize(center_features(embeds), dim=1),
        F.normalize(center_features(memo_embeds), dim=1).t())


def point_similarity(embeds: Tensor,
                     memo_embeds: Tensor,
                     metric: str = 'rsm',
                     temperature: float = 0.01) -> Tensor:
    """Dispatch to one of :data:`POINT_METRICS`.

    Args:
        embeds (Tensor): Detection point features (N, C, H, W).
        memo_embeds (Tensor): Track point features (M, C, H, W).
        metric (str): ``'rsm'``, ``'global'`` or ``'center'``.
        temperature (float): Softmax temperature of ``'rsm'``.

    Returns:
        Tensor: Similarity (N, M).
    """
    if metric == 'rsm':
        return reconstruction_similarity(embeds, memo_embeds, temperature)
    if metric == 'global':
        return global_feature_similarity(embeds, memo_embeds)
    if metric == 'center':
        return center_feature_similarity(embeds, memo_embeds)
    raise ValueError(f'point metric must be one of {POINT_METRICS}, '
                     f'got {metric!r}')
