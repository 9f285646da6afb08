"""The MASA adapter: a feature pyramid followed by a fusion module."""
from typing import Optional, Sequence, Tuple

from torch import Tensor, nn

from qdtrack.registry import MODELS


@MODELS.register_module()
class MASAAdapter(nn.Sequential):
    """Pyramid (index 0) then fusion (index 1), on frozen backbone features.

    The pyramid is mmdet's ``FPN`` for hierarchical backbones (ResNet,
    Swin, MobileNetV2) or :class:`~qdtrack.models.necks.SimpleFPN` for a
    plain ViT; the fusion is :class:`~qdtrack.models.necks.DeformFusion`
    (R50 and detector-backbone variants) or mmdet's ``DyHead`` (SAM
    variants), or None (ablation without fusion). As a ``Sequential`` its
    parameters are named ``0.*`` and ``1.*``, the layout of the released
    checkpoints (``masa_adapter.0.lateral_convs...``,
    ``masa_adapter.1.dyhead_blocks...``).

    Args:
        pyramid (dict): Config of the pyramid.
        fusion (dict, optional): Config of the fusion module.
    """

    def __init__(self, pyramid: dict, fusion: Optional[dict] = None) -> None:
        modules = [MODELS.build(pyramid)]
        if fusion is not None:
            modules.append(MODELS.build(fusion))
        super().__init__(*modules)

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Adapt backbone features.

        Args:
            feats (Sequence[Tensor]): Backbone levels, each (N, C_i, H, W).

        Returns:
            tuple[Tensor]: Pyramid levels, each (N, C, H_l, W_l).
        """
        for module in self:
            feats = module(feats)
        return tuple(feats)
