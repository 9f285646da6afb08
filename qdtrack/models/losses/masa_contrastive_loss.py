"""MASA's instance contrastive losses: the paper's and the public code's.

Both take the (N, M) similarity logits of N key RoIs against M reference
RoIs and the (N, M) match targets of
:class:`~qdtrack.models.track_heads.QuasiDenseEmbedHead`; rows (key RoIs)
may have several positives (quasi-dense sampling).
"""
import torch
import torch.nn.functional as F
from torch import Tensor

from qdtrack.registry import MODELS

from .multi_pos_cross_entropy_loss import (
    MultiPosCrossEntropyLoss,
    masked_logsumexp,
)


def info_nce(pred: Tensor, target: Tensor) -> Tensor:
    """Per-row InfoNCE, averaged over the row's positives (MASA paper).

    For a row with positives ``P`` and negatives ``K-``, every positive
    ``p`` is contrasted with all negatives and the terms are averaged:
    ``mean_p -log(exp(s_p) / (exp(s_p) + sum_{k-} exp(s_k)))``, i.e.
    ``mean_p softplus(LSE_{k-}(s_k) - s_p)``. With one positive this is the
    paper's InfoNCE; the logits ``s`` are the cosine similarities divided
    by the temperature (the embedding head's ``cosine_logits=True`` and
    ``softmax_temp``; the paper uses 0.07).

    Args:
        pred (Tensor): Logits of shape (N, M).
        target (Tensor): Shape (N, M); >= 1 positive, 0 negative, other
            values excluded.

    Returns:
        Tensor: Loss of every row, shape (N, ); 0 for rows without a
        positive, and for rows without a negative.
    """
    pos = target >= 1
    neg = target == 0
    num_pos = pos.sum(dim=1)
    has_neg = neg.any(dim=1)
    lse_neg = masked_logsumexp(pred, neg, dim=1)
    lse_neg = torch.where(has_neg, lse_neg, lse_neg.new_zeros(()))
    per_pair = F.softplus(lse_neg[:, None] - pred)
    per_pair = per_pair * (pos & has_neg[:, None]).to(pred.dtype)
    return per_pair.sum(dim=1) / num_pos.clamp(min=1).to(pred.dtype)


def unbiased_contrastive(pred: Tensor, target: Tensor) -> Tensor:
    """Per-row "unbiased" multi-positive contrastive loss (public MASA).

    SupCon-style: ``-mean_p log(exp(s_p) / D)`` with the denominator
    ``D = sum_{k+} exp(s_k) / |P| + sum_{k-} exp(s_k)``: the positives
    enter the denominator with weight ``1 / |P|`` so that rows with many
    positives are not penalised for them. The public code feeds raw dot
    products (no temperature) and weights the loss 0.25.

    Args:
        pred (Tensor): Logits of shape (N, M).
        target (Tensor): Shape (N, M); >= 1 positive, 0 negative, other
            values excluded.

    Returns:
        Tensor: Loss of every row, shape (N, ); 0 for rows without a
        positive.
    """
    pos = target >= 1
    neg = target == 0
    num_pos = pos.sum(dim=1)
    has_pos = num_pos > 0
    log_num_pos = num_pos.clamp(min=1).to(pred.dtype).log()
    # log D as one logsumexp: positives shifted by -log|P|
    shifted = torch.where(pos, pred - log_num_pos[:, None], pred)
    log_denom = masked_logsumexp(shifted, pos | neg, dim=1)
    log_denom = torch.where(has_pos, log_denom, log_denom.new_zeros(()))
    per_pos = (log_denom[:, None] - pred) * pos.to(pred.dtype)
    return per_pos.sum(dim=1) / num_pos.clamp(min=1).to(pred.dtype)


@MODELS.register_module()
class InfoNCELoss(MultiPosCrossEntropyLoss):
    """InfoNCE of the MASA paper on cosine similarity / temperature.

    Pair it with ``QuasiDenseEmbedHead(cosine_logits=True,
    softmax_temp=0.07)`` so that the logits are cosines over tau. Rows are
    reduced as in :class:`MultiPosCrossEntropyLoss`.

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    row_loss = staticmethod(info_nce)


@MODELS.register_module()
class UnbiasedContrastLoss(MultiPosCrossEntropyLoss):
    """The public MASA code's contrastive loss (weight 0.25 there).

    See :func:`unbiased_contrastive`; raw dot-product logits.

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    row_loss = staticmethod(unbiased_contrastive)

