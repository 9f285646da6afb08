from .label_smooth_cross_entropy_loss import LabelSmoothCrossEntropyLoss
from .margin_l2_loss import MarginL2Loss
from .masa_contrastive_loss import (
    InfoNCELoss,
    UnbiasedContrastLoss,
    info_nce,
    unbiased_contrastive,
)
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
    'InfoNCELoss', 'LabelSmoothCrossEntropyLoss', 'MarginL2Loss',
    'MultiPosCrossEntropyLoss', 'OnePosCrossEntropyLoss', 'SSLMOTLoss',
    'UnbiasedContrastLoss', 'info_nce', 'multi_pos_cross_entropy',
    'one_pos_cross_entropy', 'ssl_mot_loss', 'unbiased_contrastive'
]
