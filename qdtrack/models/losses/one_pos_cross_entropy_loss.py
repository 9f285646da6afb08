"""One-positive cross-entropy of the QDTrack ablation (paper Eq. 2)."""
from typing import Optional

import torch.nn.functional as F
from mmdet.models.losses.utils import weight_reduce_loss
from torch import Tensor, nn

from qdtrack.registry import MODELS


def one_pos_cross_entropy(pred: Tensor, target: Tensor) -> Tensor:
    """Per-row softmax cross-entropy with a single positive column.

    ``-log(exp(v.k+) / (exp(v.k+) + sum_{k-} exp(v.k-)))`` where ``k+`` is
    the only column with ``target >= 1``. Columns with a target < 0 are
    excluded from the softmax. A row without a positive has loss 0.

    Args:
        pred (Tensor): Similarity logits of shape (N, M).
        target (Tensor): Shape (N, M) with at most one entry >= 1 per row;
            0 marks negatives, values < 0 exclude a pair.

    Returns:
        Tensor: The loss of every row, shape (N, ).
    """
    pos = target >= 1
    num_pos = pos.sum(dim=1)
    if bool((num_pos > 1).any()):
        raise ValueError('one_pos_cross_entropy expects at most one positive '
                         'per row; use MultiPosCrossEntropyLoss instead.')
    has_pos = num_pos == 1
    logits = pred.masked_fill(target < 0, float('-inf'))
    # rows without a positive get a dummy class 0 and weight 0 below
    labels = pos.int().argmax(dim=1)
    safe = logits.masked_fill(~has_pos[:, None], 0.)
    loss = F.cross_entropy(safe, labels, reduction='none')
    return loss * has_pos.to(pred.dtype)


@MODELS.register_module()
class OnePosCrossEntropyLoss(nn.Module):
    """Cross-entropy with one positive per row (QDTrack ablation, Eq. 2).

    With one positive per row it equals :class:`MultiPosCrossEntropyLoss`;
    it exists to make the ablation explicit and to fail loudly when the
    targets have more than one positive.

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

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
            pred (Tensor): Similarity logits of shape (N, M).
            target (Tensor): Shape (N, M), at most one 1 per row.
            weight (Tensor, optional): Weight of every row, shape (N, ).
            avg_factor (float, optional): Denominator of the mean.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: The loss, a scalar unless the reduction is ``'none'``.
        """
        assert pred.shape == target.shape, (pred.shape, target.shape)
        assert reduction_override in (None, 'none', 'mean', 'sum')
        reduction = reduction_override or self.reduction
        loss = one_pos_cross_entropy(pred, target)
        if weight is not None:
            weight = weight.to(loss.dtype)
        loss = weight_reduce_loss(
            loss, weight=weight, reduction=reduction, avg_factor=avg_factor)
        return self.loss_weight * loss
