"""Modulated deformable convolution (DCNv2) in plain torch ops.

mmcv's CPU ``modulated_deform_conv2d`` is a serial per-element loop; its
backward pass made a MASA toy training step (320x240, 64 channels, 3
DeformFusion blocks) take about 100 s on 2 cores. This version samples the
9 taps with one ``F.grid_sample`` call (the taps' sampling grids stacked;
bilinear, zeros outside: mmcv's sampling rule) and contracts them with the
weight in one matmul; autograd gives the
backward pass. It equals mmcv's op up to float rounding (tested) and is
used where :class:`~qdtrack.models.necks.DeformFusion` is built with
``torch_dcn=True`` (the CPU toy configs). mmcv's op stays the default (CUDA,
released models).

For CPU inference (no gradient, float32)
:func:`modulated_deform_conv2d_forward_cpu` is faster still: a numba kernel
(as for RoIAlign) writes the modulated columns from channels-last input
with mmcv's arithmetic, then one matmul with the weight; the columns equal
mmcv's, the output differs only by the matmul's summation order.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ._threads import load_kernel, num_workers, run_split


def modulated_deform_conv2d_torch(x: Tensor,
                                  offset: Tensor,
                                  mask: Tensor,
                                  weight: Tensor,
                                  bias: Optional[Tensor] = None,
                                  stride: int = 1,
                                  padding: int = 1,
                                  dilation: int = 1) -> Tensor:
    """DCNv2 with one deformable group and one conv group, as mmcv's.

    Tap ``(i, j)`` of output position ``(h, w)`` samples ``x`` bilinearly
    at ``(h * stride - padding + i * dilation + dy, w * stride - padding +
    j * dilation + dx)``, with ``dy = offset[2 * (i * kw + j)]`` and ``dx =
    offset[2 * (i * kw + j) + 1]``, corners outside the image read as 0;
    the sample is multiplied by ``mask[i * kw + j]``.

    Args:
        x (Tensor): Input (N, C, H, W).
        offset (Tensor): (N, 2 * kh * kw, H_out, W_out).
        mask (Tensor): (N, kh * kw, H_out, W_out).
        weight (Tensor): (C_out, C, kh, kw).
        bias (Tensor, optional): (C_out, ).
        stride (int): Stride. Defaults to 1.
        padding (int): Padding. Defaults to 1.
        dilation (int): Dilation. Defaults to 1.

    Returns:
        Tensor: (N, C_out, H_out, W_out).
    """
    n, c, h, w = x.shape
    c_out, c_in, kh, kw = weight.shape
    if c_in != c:
        raise ValueError(f'weight expects {c_in} channels, input has {c}')
    h_out = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    w_out = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    if offset.shape != (n, 2 * kh * kw, h_out, w_out) or \
            mask.shape != (n, kh * kw, h_out, w_out):
        raise ValueError(
            f'offset {tuple(offset.shape)} / mask {tuple(mask.shape)} do '
            f'not match the output ({n}, {h_out}, {w_out})')
    base_y, base_x = _base_grid(h_out, w_out, stride, padding, x)
    k = kh * kw
    taps = torch.arange(k, dtype=x.dtype, device=x.device)
    tap_y = (taps // kw * dilation).view(1, k, 1, 1)
    tap_x = (taps % kw * dilation).view(1, k, 1, 1)
    offset = offset.view(n, k, 2, h_out, w_out)
    y = base_y + tap_y + offset[:, :, 0]  # (N, K, H_out, W_out)
    xx = base_x + tap_x + offset[:, :, 1]
    # pixel coordinates -> grid_sample's [-1, 1] (align_corners=False); the
    # K taps are stacked along the grid's height, so one call samples all
    grid = torch.stack(((2 * xx + 1) / w - 1, (2 * y + 1) / h - 1),
                       dim=-1).view(n, k * h_out, w_out, 2)
    sampled = F.grid_sample(
        x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    # (N, C, K * H_out, W_out) -> (N, C * K, H_out * W_out), C-major as the
    # weight's (C, kh, kw) layout; the masks scale every tap
    cols = (sampled.view(n, c, k, h_out * w_out) *
            mask.reshape(n, 1, k, h_out * w_out)).view(
                n, c * k, h_out * w_out)
    out = weight.reshape(c_out, -1) @ cols
    out = out.reshape(n, c_out, h_out, w_out)
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out


def _base_grid(h_out: int, w_out: int, stride: int, padding: int,
               like: Tensor) -> Tuple[Tensor, Tensor]:
    """Top-left tap positions (H_out, W_out) of every output pixel."""
    ys = torch.arange(h_out, dtype=like.dtype, device=like.device)
    xs = torch.arange(w_out, dtype=like.dtype, device=like.device)
    base_y = (ys * stride - padding).view(-1, 1).expand(h_out, w_out)
    base_x = (xs * stride - padding).view(1, -1).expand(h_out, w_out)
    return base_y, base_x


def _kernels():
    """The numba kernel's module, or None (with a warning) without numba."""
    return load_kernel('_deform_conv_nhwc_kernel',
                       'the CPU deformable conv kernel is unavailable')


def cpu_kernel_applies(x: Tensor, offset: Tensor, mask: Tensor,
                       weight: Tensor) -> bool:
    """Whether :func:`modulated_deform_conv2d_forward_cpu` can take these
    tensors: float32 on the CPU, no gradient needed, numba available."""
    tensors = (x, offset, mask, weight)
    needs_grad = torch.is_grad_enabled() and any(
        t.requires_grad for t in tensors)
    return (not needs_grad
            and all(t.device.type == 'cpu' and t.dtype == torch.float32
                    for t in tensors) and _kernels() is not None)


def modulated_deform_conv2d_forward_cpu(x: Tensor,
                                        offset: Tensor,
                                        mask: Tensor,
                                        weight: Tensor,
                                        bias: Optional[Tensor] = None,
                                        stride: int = 1,
                                        padding: int = 1,
                                        dilation: int = 1) -> Tensor:
    """DCNv2 forward on the CPU (no autograd), as mmcv's and
    :func:`modulated_deform_conv2d_torch`.

    The modulated columns (N, H_out * W_out, K * C) are written by a numba
    kernel (output rows split over torch's threads) from a channels-last
    copy of ``x`` (none when ``x`` is channels-last already), then
    contracted with the weight reordered to (C_out, K * C).

    Args:
        x (Tensor): Input (N, C, H, W), float32.
        offset (Tensor): (N, 2 * kh * kw, H_out, W_out).
        mask (Tensor): (N, kh * kw, H_out, W_out).
        weight (Tensor): (C_out, C, kh, kw).
        bias (Tensor, optional): (C_out, ).
        stride (int): Stride. Defaults to 1.
        padding (int): Padding. Defaults to 1.
        dilation (int): Dilation. Defaults to 1.

    Returns:
        Tensor: (N, C_out, H_out, W_out), contiguous.

    Raises:
        ValueError: On shapes that do not fit together, or tensors that
            are not float32 on the CPU.
    """
    n, c, h, w = x.shape
    c_out, c_in, kh, kw = weight.shape
    if c_in != c:
        raise ValueError(f'weight expects {c_in} channels, input has {c}')
    if not all(t.device.type == 'cpu' and t.dtype == torch.float32
               for t in (x, offset, mask, weight)):
        raise ValueError('the CPU deformable conv takes float32 CPU tensors')
    h_out = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    w_out = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    k = kh * kw
    if offset.shape != (n, 2 * k, h_out, w_out) or \
            mask.shape != (n, k, h_out, w_out):
        raise ValueError(
            f'offset {tuple(offset.shape)} / mask {tuple(mask.shape)} do '
            f'not match the output ({n}, {h_out}, {w_out})')
    kernels = _kernels()
    if kernels is None:  # pragma: no cover
        return modulated_deform_conv2d_torch(x, offset, mask, weight, bias,
                                             stride, padding, dilation)
    with torch.no_grad():
        nhwc = x.detach().permute(0, 2, 3, 1).contiguous()
        offset_np = offset.detach().contiguous().numpy()
        mask_np = mask.detach().contiguous().numpy()
        cols = x.new_empty((n, h_out, w_out, k, c))
        x_np, cols_np = nhwc.numpy(), cols.numpy()

        def task(first, step):
            kernels.deform_columns_nhwc(x_np, offset_np, mask_np, cols_np,
                                        kh, kw, stride, padding, dilation,
                                        first, step)

        run_split(task, min(num_workers(), h_out))
        # (C_out, K * C) @ (N, K * C, P) -> (N, C_out, P), NCHW
        w2d = weight.detach().permute(0, 2, 3, 1).reshape(c_out, k * c)
        out = torch.matmul(w2d, cols.view(n, h_out * w_out, k * c).mT)
        out = out.view(n, c_out, h_out, w_out)
        if bias is not None:
            out = out + bias.detach().view(1, -1, 1, 1)
    return out
