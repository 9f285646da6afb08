"""DeformFusion: the multi-level feature fusion of the MASA adapter."""
from typing import List, Optional, Sequence, Tuple

import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmcv.ops import ModulatedDeformConv2d
from mmengine.model import BaseModule, constant_init, normal_init
from torch import Tensor, nn

from qdtrack.ops import (
    modulated_deform_conv2d_forward_cpu,
    modulated_deform_conv2d_torch,
)
from qdtrack.ops.deform_conv import cpu_kernel_applies
from qdtrack.registry import MODELS

# (x offset, y offset) per tap of a 3x3 kernel, and one mask per tap
OFFSET_CHANNELS = 2 * 9
MASK_CHANNELS = 9
NUM_PATHS = 3  # same level, level below (stride 2), level above


def conv_out_size(size: Tuple[int, int], stride: int) -> Tuple[int, int]:
    """Output size of a 3x3 convolution with padding 1.

    Args:
        size (tuple[int, int]): Input (H, W).
        stride (int): Stride of the convolution.

    Returns:
        tuple[int, int]: Output (H, W).
    """
    return tuple((s - 1) // stride + 1 for s in size)


def as_read_by_mmcv(t: Tensor, size: Tuple[int, int]) -> Tensor:
    """Offsets or masks as mmcv's deformable convolution reads them.

    mmcv's ``modulated_deform_conv2d`` does not check that its ``offset``
    and ``mask`` have the spatial size of its output: for every image it
    reads ``C * H_out * W_out`` values from the start of that image's block
    (contiguous within the image), as planes of ``H_out x W_out``. When the
    tensor is larger than the output, this is its first ``H_out * W_out *
    C`` values per image reshaped, which is what this function returns.

    Args:
        t (Tensor): Offsets or masks of shape (N, C, H, W).
        size (tuple[int, int]): The convolution's output (H_out, W_out).

    Returns:
        Tensor: Shape (N, C, H_out, W_out); ``t`` itself when the sizes
        agree.

    Raises:
        ValueError: the output is larger than ``t`` (mmcv would read past
            the tensor's memory).
    """
    n, c, h, w = t.shape
    h_out, w_out = size
    if (h, w) == (h_out, w_out):
        return t
    if h_out * w_out > h * w:
        raise ValueError(
            f'offsets of size {h}x{w} cannot drive a deformable conv with a '
            f'{h_out}x{w_out} output (it would read past their memory)')
    return t.reshape(n, -1)[:, :c * h_out * w_out].reshape(
        n, c, h_out, w_out)


class DeformConvGN(nn.Module):
    """3x3 modulated deformable conv (no bias) followed by GroupNorm.

    Offsets and masks are given by the caller (they are predicted from
    another level). Parameter names (``conv``, ``norm``) follow the
    released MASA checkpoints.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride. Defaults to 1.
        norm_cfg (dict, optional): Normalisation. Defaults to GroupNorm,
            16 groups.
        torch_dcn (bool): Compute the deformable conv with
            :func:`~qdtrack.ops.modulated_deform_conv2d_torch` (same
            numbers up to rounding; much faster backward on the CPU)
            instead of mmcv's op. Defaults to False.
        cpu_kernel (bool): At inference on the CPU (no gradient needed,
            float32), compute the conv with
            :func:`~qdtrack.ops.modulated_deform_conv2d_forward_cpu`
            (mmcv's columns; about 3x faster than mmcv's op at 256
            channels), whatever ``torch_dcn`` says: the treatment
            :class:`~qdtrack.ops.RoIAlign` gives RoIAlign. Defaults to
            True.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 norm_cfg: Optional[dict] = None,
                 torch_dcn: bool = False,
                 cpu_kernel: bool = True) -> None:
        super().__init__()
        norm_cfg = norm_cfg or dict(type='GN', num_groups=16)
        self.stride = stride
        self.torch_dcn = torch_dcn
        self.cpu_kernel = cpu_kernel
        self.conv = ModulatedDeformConv2d(
            in_channels, out_channels, 3, stride=stride, padding=1,
            bias=False)
        self.norm = build_norm_layer(norm_cfg, out_channels)[1]

    def out_size(self, x: Tensor) -> Tuple[int, int]:
        """Spatial size of the output for input ``x`` (N, C, H, W)."""
        return conv_out_size(tuple(x.shape[-2:]), self.stride)

    def forward(self, x: Tensor, offset: Tensor, mask: Tensor) -> Tensor:
        """Convolve ``x`` (N, C, H, W) with offsets (N, 18, H', W') and
        masks (N, 9, H', W') of the output's size (H', W')."""
        weight = self.conv.weight
        if self.cpu_kernel and cpu_kernel_applies(x, offset, mask, weight):
            out = modulated_deform_conv2d_forward_cpu(
                x, offset, mask, weight, self.conv.bias, self.stride, 1, 1)
        elif self.torch_dcn:
            out = modulated_deform_conv2d_torch(
                x, offset, mask, self.conv.weight, self.conv.bias,
                self.stride, 1, 1)
        else:
            out = self.conv(x.contiguous(), offset, mask)
        return self.norm(out)


class DeformFusionBlock(BaseModule):
    """One DeformFusion block.

    For every level ``l`` a 3x3 conv on ``x[l]`` predicts 81 channels:
    offsets (3 paths x 18) then masks (3 paths x 9, sigmoid), in the path
    order same level, level below, level above. The output of level ``l``
    is the mean of the available paths:

    - ``mid(x[l])``, offsets of path 0;
    - ``low(x[l-1])`` at stride 2, offsets of path 1;
    - ``high(x[l+1])`` upsampled bilinearly (``align_corners=True``) to
      ``x[l]``'s size, offsets of path 2 (``upsample_first=False``, the
      released models); or ``high`` applied to ``x[l+1]`` upsampled first
      (``upsample_first=True``).

    No activation and no attention (unlike DyHead).

    Released-weights quirk, reproduced on purpose: with
    ``upsample_first=False`` the offsets and masks of path 2 are predicted
    at level ``l``'s size but drive a conv whose output has level
    ``l+1``'s (smaller) size. The public MASA code passes them unchanged and
    mmcv reads only the first ``H_{l+1} * W_{l+1}`` positions of every
    channel-major block (:func:`as_read_by_mmcv`); we compute that view
    explicitly, so the numbers are the same as the public code's and the
    released checkpoints give the same features. The same view is used for
    any path whose output size differs from level ``l``'s (path 1 only when
    ``ceil(H_{l-1} / 2) != H_l``).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        zero_init_offset (bool): Zero-initialise the offset/mask conv (so
            the block starts as plain convs with masks 0.5). Defaults to
            True.
        upsample_first (bool): Upsample level ``l+1`` before its conv.
            Defaults to False (the released layout).
        norm_cfg (dict, optional): Normalisation after each deformable
            conv. Defaults to GroupNorm, 16 groups.
        torch_dcn (bool): See :class:`DeformConvGN`. Defaults to False.
        cpu_kernel (bool): See :class:`DeformConvGN`. Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 zero_init_offset: bool = True,
                 upsample_first: bool = False,
                 norm_cfg: Optional[dict] = None,
                 torch_dcn: bool = False,
                 cpu_kernel: bool = True) -> None:
        super().__init__()
        self.zero_init_offset = zero_init_offset
        self.upsample_first = upsample_first
        self.spatial_conv_offset = nn.Conv2d(
            in_channels, NUM_PATHS * (OFFSET_CHANNELS + MASK_CHANNELS), 3,
            padding=1)
        self.spatial_conv_high = DeformConvGN(
            in_channels, out_channels, norm_cfg=norm_cfg,
            torch_dcn=torch_dcn, cpu_kernel=cpu_kernel)
        self.spatial_conv_mid = DeformConvGN(
            in_channels, out_channels, norm_cfg=norm_cfg,
            torch_dcn=torch_dcn, cpu_kernel=cpu_kernel)
        self.spatial_conv_low = DeformConvGN(
            in_channels, out_channels, stride=2, norm_cfg=norm_cfg,
            torch_dcn=torch_dcn, cpu_kernel=cpu_kernel)
        self.init_weights()

    def init_weights(self) -> None:
        """Offset conv: N(0, 0.01) or zeros; deformable convs keep mmcv's
        own initialisation (as the public code)."""
        normal_init(self.spatial_conv_offset, 0, 0.01)
        if self.zero_init_offset:
            constant_init(self.spatial_conv_offset, 0)

    def offsets_and_masks(self, x: Tensor
                          ) -> Tuple[Tuple[Tensor, ...], Tuple[Tensor, ...]]:
        """Offsets (3 x (N, 18, H, W)) and masks (3 x (N, 9, H, W)) of the
        three paths, predicted from one level ``x`` (N, C, H, W)."""
        out = self.spatial_conv_offset(x)
        num_offsets = NUM_PATHS * OFFSET_CHANNELS
        offsets = out[:, :num_offsets].split(OFFSET_CHANNELS, dim=1)
        masks = out[:, num_offsets:].sigmoid().split(MASK_CHANNELS, dim=1)
        return offsets, masks

    @staticmethod
    def _deform(conv: DeformConvGN, x: Tensor, offset: Tensor,
                mask: Tensor) -> Tensor:
        size = conv.out_size(x)
        return conv(x, as_read_by_mmcv(offset, size),
                    as_read_by_mmcv(mask, size))

    def forward(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """Fuse every level with its neighbours.

        Args:
            feats (Sequence[Tensor]): L levels, each (N, C, H_l, W_l),
                strides doubling from one level to the next.

        Returns:
            list[Tensor]: L levels, each (N, out_channels, H_l, W_l).
        """
        outs = []
        for level, x in enumerate(feats):
            offsets, masks = self.offsets_and_masks(x)
            total = self._deform(self.spatial_conv_mid, x, offsets[0],
                                 masks[0])
            count = 1
            if level > 0:
                total += self._deform(self.spatial_conv_low,
                                      feats[level - 1], offsets[1], masks[1])
                count += 1
            if level < len(feats) - 1:
                upper = feats[level + 1]
                if self.upsample_first:
                    upper = F.interpolate(
                        upper, size=x.shape[-2:], mode='bilinear',
                        align_corners=True)
                    high = self._deform(self.spatial_conv_high, upper,
                                        offsets[2], masks[2])
                else:
                    # the released quirk: level-l offsets, level-(l+1)
                    # output (see the class docstring)
                    high = F.interpolate(
                        self._deform(self.spatial_conv_high, upper,
                                     offsets[2], masks[2]),
                        size=x.shape[-2:], mode='bilinear',
                        align_corners=True)
                total += high
                count += 1
            outs.append(total / count)
        return outs


@MODELS.register_module()
class DeformFusion(BaseModule):
    """Deformable multi-level fusion of the MASA adapter.

    ``num_blocks`` :class:`DeformFusionBlock` in sequence (the released
    MASA models use 3). Parameter names follow the released checkpoints
    (``dyhead_blocks.{i}.spatial_conv_{offset,high,mid,low}``).

    Args:
        in_channels (int): Channels of the input levels.
        out_channels (int): Channels of the output levels (a multiple of
            the 16 GroupNorm groups).
        num_blocks (int): Number of blocks. Defaults to 3.
        zero_init_offset (bool): See :class:`DeformFusionBlock`.
        upsample_first (bool): See :class:`DeformFusionBlock`.
        torch_dcn (bool): Plain-torch deformable convs (see
            :class:`DeformConvGN`; for CPU training). Defaults to False.
        cpu_kernel (bool): The numba kernel at CPU inference (see
            :class:`DeformConvGN`). Defaults to True.
        init_cfg (dict, optional): Must be None: every block initialises
            itself.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_blocks: int = 3,
                 zero_init_offset: bool = True,
                 upsample_first: bool = False,
                 torch_dcn: bool = False,
                 cpu_kernel: bool = True,
                 init_cfg=None) -> None:
        if init_cfg is not None:
            raise ValueError('DeformFusion initialises its own blocks; '
                             'init_cfg must be None')
        super().__init__(init_cfg=None)
        self.dyhead_blocks = nn.Sequential(*[
            DeformFusionBlock(
                in_channels if i == 0 else out_channels,
                out_channels,
                zero_init_offset=zero_init_offset,
                upsample_first=upsample_first,
                torch_dcn=torch_dcn,
                cpu_kernel=cpu_kernel) for i in range(num_blocks)
        ])

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Fuse a feature pyramid.

        Args:
            feats (Sequence[Tensor]): L levels, each (N, C, H_l, W_l).

        Returns:
            tuple[Tensor]: L levels, each (N, out_channels, H_l, W_l).
        """
        return tuple(self.dyhead_blocks(list(feats)))
