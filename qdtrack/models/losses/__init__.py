from .label_smooth_cross_entropy_loss import LabelSmoothCrossEntropyLoss
from .margin_l2_loss import MarginL2Loss
from .multi_pos_cross_entropy_loss import (
    MultiPosCrossEntropyLoss,
    multi_pos_cross_entropy,
)
from .one_pos_cross_entropy_loss import (
    OnePosCrossEntropyLoss,
    one_pos_cross_entropy,
)
from .ssl_mot_loss import SSLMOTLoss, ssl_mot_loss

__all__ = [
    'LabelSmoothCrossEntropyLoss', 'MarginL2Loss',
    'MultiPosCrossEntropyLoss', 'multi_pos_cross_entropy',
    'OnePosCrossEntropyLoss', 'one_pos_cross_entropy', 'SSLMOTLoss',
    'ssl_mot_loss'
]
