"""Multi-positive contrastive loss of QDTrack (paper Eq. 5)."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmdet.models.losses.utils import weight_reduce_loss
from torch import Tensor, nn

from qdtrack.registry import MODELS


def masked_logsumexp(x: Tensor, mask: Tensor, dim: int = -1) -> Tensor:
    """``logsumexp`` of ``x`` over the entries where ``mask`` is True.

    Masked-out entries are replaced by the most negative finite number
    instead of ``-inf``, so an all-masked slice gives a (huge negative)
    finite value and a finite, zero gradient instead of ``nan``.

    Args:
        x (Tensor): Values of any shape.
        mask (Tensor): Boolean tensor of the shape of ``x``.
        dim (int): The dimension to reduce. Defaults to -1.

    Returns:
        Tensor: ``x.shape`` without ``dim``.
    """
    lowest = torch.finfo(x.dtype).min
    return torch.logsumexp(x.masked_fill(~mask, lowest), dim=dim)


def multi_pos_cross_entropy(pred: Tensor, target: Tensor) -> Tensor:
    """Per-row multi-positive contrastive loss.

    For a row ``v`` with positive columns ``k+`` and negative columns ``k-``
    the loss is ``log(1 + sum_{k+} sum_{k-} exp(v.k- - v.k+))``. The double
    sum factorises into ``sum_{k-} exp(v.k-) * sum_{k+} exp(-v.k+)``, so
    the loss is ``softplus(LSE_{k-}(v.k-) + LSE_{k+}(-v.k+))``, computed in
    O(N*M) memory and stable for large logits. A row without positives or
    without negatives has loss 0.

    Args:
        pred (Tensor): Similarity logits of shape (N, M).
        target (Tensor): Shape (N, M); entries >= 1 are positive pairs,
            entries == 0 negative pairs; any other value (e.g. -1) is
            excluded.

    Returns:
        Tensor: The loss of every row, shape (N, ).
    """
    pos = target >= 1
    neg = target == 0
    valid = pos.any(dim=1) & neg.any(dim=1)
    lse_neg = masked_logsumexp(pred, neg, dim=1)
    lse_pos = masked_logsumexp(-pred, pos, dim=1)
    # both terms may be ~finfo.min on invalid rows: add them only where
    # the row is valid so that the sum never overflows to -inf
    logit = torch.where(valid, lse_neg, lse_neg.new_zeros(())) + \
        torch.where(valid, lse_pos, lse_pos.new_zeros(()))
    return F.softplus(logit) * valid.to(pred.dtype)


@MODELS.register_module()
class MultiPosCrossEntropyLoss(nn.Module):
    """Multi-positive contrastive loss (QDTrack, paper Eq. 5).

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    # the loss of every row, (N, M) logits and targets -> (N, )
    row_loss = staticmethod(multi_pos_cross_entropy)

    def __init__(self, reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        assert reduction in ('none', 'mean', 'sum')
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Similarity logits of shape (N, M), key embeddings
                against reference embeddings.
            target (Tensor): Shape (N, M); 1 for pairs of the same instance,
                0 for the others.
            weight (Tensor, optional): Weight of every row, shape (N, ).
            avg_factor (float, optional): Denominator of the mean.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: The loss, a scalar unless the reduction is ``'none'``.
        """
        assert pred.shape == target.shape, (pred.shape, target.shape)
        assert reduction_override in (None, 'none', 'mean', 'sum')
        reduction = reduction_override or self.reduction
        loss = self.row_loss(pred, target)
        if weight is not None:
            weight = weight.to(loss.dtype)
        loss = weight_reduce_loss(
            loss, weight=weight, reduction=reduction, avg_factor=avg_factor)
        return self.loss_weight * loss
