"""Auxiliary L2 loss on cosine similarities of QDTrack (paper Eq. 6)."""
from typing import Optional

import torch
from torch import Tensor, nn

from qdtrack.registry import MODELS


@MODELS.register_module()
class MarginL2Loss(nn.Module):
    """L2 loss between cosine similarities and 0/1 match targets.

    For a pair of cosine similarity ``c`` and target ``t`` (1 = same
    instance, 0 = different) the loss is ``(clamp(c - m_t, 0, 1) - t)^2``
    with ``m_1 = pos_margin`` and ``m_0 = neg_margin``: negatives are only
    penalised above ``neg_margin`` and positives are pulled towards 1.
    All positive pairs are used; when there are more than
    ``neg_pos_ub`` negatives per positive, only ``neg_pos_ub * num_pos``
    negatives are kept (the ones with the largest loss if ``hard_mining``,
    random ones otherwise). The mean is over the kept pairs.

    Args:
        neg_pos_ub (int): Upper bound of negatives per positive; <= 0
            keeps every negative. Defaults to 3.
        pos_margin (float): Margin subtracted from positive similarities
            (ignored unless > 0). Defaults to 0.
        neg_margin (float): Margin subtracted from negative similarities
            (ignored unless > 0). Defaults to 0.1.
        hard_mining (bool): Keep the hardest negatives instead of random
            ones. Defaults to True.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 neg_pos_ub: int = 3,
                 pos_margin: float = 0.,
                 neg_margin: float = 0.1,
                 hard_mining: bool = True,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        assert reduction in ('none', 'mean', 'sum')
        self.neg_pos_ub = neg_pos_ub
        self.pos_margin = pos_margin
        self.neg_margin = neg_margin
        self.hard_mining = hard_mining
        self.reduction = reduction
        self.loss_weight = loss_weight

    def select_negatives(self, cost: Tensor, neg: Tensor,
                         num_pos: int) -> Tensor:
        """Choose the negative pairs that enter the loss.

        Args:
            cost (Tensor): Per-pair loss, shape (N, M).
            neg (Tensor): Boolean mask of negative pairs, shape (N, M).
            num_pos (int): Number of positive pairs.

        Returns:
            Tensor: Boolean mask of the kept negatives, shape (N, M).
        """
        num_neg = int(neg.sum())
        if self.neg_pos_ub <= 0 or num_neg <= self.neg_pos_ub * num_pos:
            return neg
        num_keep = int(self.neg_pos_ub * num_pos)
        neg_inds = neg.flatten().nonzero(as_tuple=True)[0]
        if self.hard_mining:
            order = cost.detach().flatten()[neg_inds].topk(num_keep)[1]
        else:
            order = torch.randperm(
                num_neg, device=cost.device)[:num_keep]
        keep = torch.zeros_like(neg.flatten())
        keep[neg_inds[order]] = True
        return keep.view_as(neg)

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Cosine similarities of shape (N, M).
            target (Tensor): Shape (N, M); 1 for pairs of the same instance,
                0 for the others, anything else is ignored.
            weight (Tensor, optional): Element-wise weight of shape (N, M);
                pairs with weight <= 0 are ignored.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: The loss; element-wise of shape (N, M) (zero on the
            pairs left out) when the reduction is ``'none'``.
        """
        assert pred.shape == target.shape, (pred.shape, target.shape)
        assert reduction_override in (None, 'none', 'mean', 'sum')
        reduction = reduction_override or self.reduction
        if weight is None:
            weight = pred.new_ones(pred.shape)
        valid = weight > 0
        pos = (target == 1) & valid
        neg = (target == 0) & valid

        shifted = pred
        if self.pos_margin > 0:
            shifted = shifted - self.pos_margin * pos.to(pred.dtype)
        if self.neg_margin > 0:
            shifted = shifted - self.neg_margin * neg.to(pred.dtype)
        shifted = shifted.clamp(min=0, max=1)
        cost = (shifted - pos.to(pred.dtype))**2

        keep = pos | self.select_negatives(cost, neg, int(pos.sum()))
        loss = cost * weight.to(pred.dtype) * keep.to(pred.dtype)
        if reduction == 'sum':
            loss = loss.sum()
        elif reduction == 'mean':
            loss = loss.sum() / keep.sum().clamp(min=1)
        return self.loss_weight * loss
