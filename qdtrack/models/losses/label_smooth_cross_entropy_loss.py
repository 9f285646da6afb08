"""Cross-entropy with label smoothing (the ReID classification loss)."""
import torch.nn.functional as F
from torch import Tensor, nn

from qdtrack.registry import MODELS


@MODELS.register_module()
class LabelSmoothCrossEntropyLoss(nn.Module):
    """Softmax cross-entropy against smoothed one-hot targets.

    The target of a sample of class ``y`` among ``C`` classes is
    ``1 - eps + eps / C`` for ``y`` and ``eps / C`` elsewhere (Szegedy et
    al., 2016; the Torchreid default for ReID, ``eps = 0.1``). Computed by
    :func:`torch.nn.functional.cross_entropy`. mmdet's
    ``CrossEntropyLoss`` has no smoothing.

    Args:
        label_smoothing (float): ``eps`` in [0, 1). Defaults to 0.1.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, label_smoothing: float = 0.1,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError('label_smoothing must be in [0, 1), got '
                             f'{label_smoothing}')
        self.label_smoothing = float(label_smoothing)
        self.loss_weight = float(loss_weight)

    def forward(self, cls_score: Tensor, label: Tensor) -> Tensor:
        """Mean loss.

        Args:
            cls_score (Tensor): (N, C) logits.
            label (Tensor): (N, ) class indices in [0, C).

        Returns:
            Tensor: Scalar loss.
        """
        return self.loss_weight * F.cross_entropy(
            cls_score, label, label_smoothing=self.label_smoothing)
