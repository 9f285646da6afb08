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

__all__ = [
    'InfoNCELoss', 'UnbiasedContrastLoss', 'info_nce', 'unbiased_contrastive',
    'MarginL2Loss', 'MultiPosCrossEntropyLoss', 'multi_pos_cross_entropy',
    'OnePosCrossEntropyLoss', 'one_pos_cross_entropy'
]
