"""One-positive cross-entropy of the QDTrack ablation (paper Eq. 2)."""
import torch.nn.functional as F
from torch import Tensor

from qdtrack.registry import MODELS

from .multi_pos_cross_entropy_loss import MultiPosCrossEntropyLoss


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
class OnePosCrossEntropyLoss(MultiPosCrossEntropyLoss):
    """Cross-entropy with one positive per row (QDTrack ablation, Eq. 2).

    With one positive per row it equals :class:`MultiPosCrossEntropyLoss`;
    it exists to make the ablation explicit and to fail loudly when the
    targets have more than one positive (``target`` is (N, M) with at most
    one 1 per row).

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    row_loss = staticmethod(one_pos_cross_entropy)
