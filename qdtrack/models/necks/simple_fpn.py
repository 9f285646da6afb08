"""Simple feature pyramid for plain ViT backbones (SAM image encoders)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from qdtrack.registry import MODELS


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of an (N, C, H, W) map (eps 1e-6).

    Args:
        channels (int): C.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(channels, eps=1e-6)

    def forward(self, x: Tensor) -> Tensor:
        """Normalise ``x`` (N, C, H, W) over C."""
        return self.ln(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous()


@MODELS.register_module()
class SimpleFPN(BaseModule):
    """Feature pyramid from single-scale ViT features (ViTDet style).

    Four stride-16 maps (e.g. the outputs of ViT-B blocks 3, 6, 9 and 12;
    or one map used four times) become strides 4, 8, 16 and 32: two 2x2
    transposed convs (with LayerNorm and GELU between them), one transposed
    conv, identity, and 2x2 max pooling. Then as in FPN: 1x1 laterals,
    top-down nearest-neighbour addition, 3x3 output convs, and extra levels
    by stride-2 subsampling (``max_pool2d`` with kernel 1). Parameter names
    follow the released MASA SAM checkpoints (``fpn1.{0,1.ln,3}``,
    ``fpn2.0``, ``lateral_convs``, ``fpn_convs``).

    Args:
        in_channels (int): Channels of the ViT features (768 for ViT-B).
        out_channels (int): Channels of every output level.
        num_outs (int): Output levels (>= 4). Defaults to 5.
        norm_cfg (dict, optional): Norm of the laterals and output convs.
        init_cfg (dict, optional): Defaults to Xavier (uniform) on the
            convs.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_outs: int = 5,
                 norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if init_cfg is None:
            init_cfg = dict(type='Xavier', layer='Conv2d',
                            distribution='uniform')
        super().__init__(init_cfg=init_cfg)
        if num_outs < 4:
            raise ValueError(f'num_outs must be >= 4, got {num_outs}')
        self.num_outs = num_outs
        c = in_channels
        self.fpn1 = nn.Sequential(
            nn.ConvTranspose2d(c, c, 2, stride=2), ChannelLayerNorm(c),
            nn.GELU(), nn.ConvTranspose2d(c, c, 2, stride=2))
        self.fpn2 = nn.Sequential(nn.ConvTranspose2d(c, c, 2, stride=2))
        self.fpn3 = nn.Identity()
        self.fpn4 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.lateral_convs = nn.ModuleList(
            ConvModule(c, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None,
                       inplace=False) for _ in range(4))
        self.fpn_convs = nn.ModuleList(
            ConvModule(out_channels, out_channels, 3, padding=1,
                       norm_cfg=norm_cfg, act_cfg=None, inplace=False)
            for _ in range(4))

    def forward(self, inputs: Union[Tensor, Sequence[Tensor]]
                ) -> Tuple[Tensor, ...]:
        """Build the pyramid.

        Args:
            inputs (Tensor or Sequence[Tensor]): One stride-16 map
                (N, C, H, W) or four of them.

        Returns:
            tuple[Tensor]: ``num_outs`` maps (N, out_channels, H_l, W_l),
            strides 4, 8, 16, 32, 64, ...
        """
        ops = (self.fpn1, self.fpn2, self.fpn3, self.fpn4)
        if isinstance(inputs, Tensor):
            inputs = [inputs] * 4
        if len(inputs) != 4:
            raise ValueError(f'SimpleFPN takes 1 or 4 maps, got {len(inputs)}')
        laterals: List[Tensor] = [
            lat(op(x))
            for lat, op, x in zip(self.lateral_convs, ops, inputs)
        ]
        for i in range(3, 0, -1):
            laterals[i - 1] = laterals[i - 1] + F.interpolate(
                laterals[i], size=laterals[i - 1].shape[2:], mode='nearest')
        outs = [conv(lat) for conv, lat in zip(self.fpn_convs, laterals)]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
