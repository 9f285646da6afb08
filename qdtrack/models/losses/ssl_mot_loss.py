"""SSL-MOT's objective: invariance plus redundancy reduction over crops."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from qdtrack.registry import MODELS


def ssl_mot_loss(preds: Tensor, targets: Tensor,
                 redundancy_weight: float) -> Tensor:
    """One direction of SSL-MOT's loss (Kim, Lee, Ko, 2022).

    With ``A`` the cosine similarity matrix of the predictions of one view
    and the (stop-gradient) targets of the other, ``A_ij = cos(p_i, z_j)``
    over the N crops of a batch::

        L = mean_i (1 - A_ii)^2 + w * mean_{i != j} A_ij^2

    The paper writes sums, ``sum_i (1 - A_ii)^2 + lambda * sum_{i != j}
    A_ij^2``; this is that objective divided by N, with ``lambda = w / (N -
    1)``, so that ``w`` means the same at every batch size: the weight of
    the average squared cross-crop similarity against the average
    invariance error.

    Args:
        preds (Tensor): (N, D) predictions of one view.
        targets (Tensor): (N, D) targets of the other view (detach them for
            the stop-gradient).
        redundancy_weight (float): ``w``; 0 keeps the invariance term only.

    Returns:
        Tensor: Scalar loss.
    """
    if preds.dim() != 2 or preds.shape != targets.shape:
        raise ValueError('preds and targets must both be (N, D), got '
                         f'{tuple(preds.shape)} and {tuple(targets.shape)}')
    num = preds.size(0)
    sim = F.normalize(preds, dim=1) @ F.normalize(targets, dim=1).t()
    diag = torch.diagonal(sim)
    loss = (1 - diag).square().mean()
    if redundancy_weight and num > 1:
        off = sim.square().sum() - diag.square().sum()
        loss = loss + redundancy_weight * off / (num * (num - 1))
    return loss


@MODELS.register_module()
class SSLMOTLoss(nn.Module):
    """Symmetric SSL-MOT loss with SimSiam's stop-gradient.

    ``(L(p1, sg(z2)) + L(p2, sg(z1))) / 2`` with ``L`` from
    :func:`ssl_mot_loss`.

    Args:
        redundancy_weight (float): Weight ``w`` of the mean squared
            cross-crop similarity. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 redundancy_weight: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if redundancy_weight < 0:
            raise ValueError('redundancy_weight must be >= 0, got '
                             f'{redundancy_weight}')
        self.redundancy_weight = redundancy_weight
        self.loss_weight = loss_weight

    def forward(self, p1: Tensor, p2: Tensor, z1: Tensor,
                z2: Tensor) -> Tensor:
        """Loss of the predictions ``p`` and projections ``z`` (N, D) of two
        views; the projections get no gradient."""
        loss = (ssl_mot_loss(p1, z2.detach(), self.redundancy_weight) +
                ssl_mot_loss(p2, z1.detach(), self.redundancy_weight)) / 2
        return self.loss_weight * loss
