"""RoIAlign for CPU inference: parallel over RoIs, channels innermost.

mmcv 2.1's CPU RoIAlign runs on one thread and walks the features channel
plane by channel plane; on the paper's R50-FPN at 1088x608 its forward is
a quarter of a frame. The kernel here (numba, compiled on first use and
cached on disk) reads each sample's four neighbours as rows of C
contiguous values and runs without the GIL on torch's number of threads
(RoIs interleaved between them). It returns the same values as mmcv's
(same float32 arithmetic in the same order, tested equal). It has no
backward: training, CUDA tensors, other dtypes and max pooling go to
mmcv's op.
"""
from typing import Tuple, Union

import torch
from mmcv.ops import RoIAlign as MMCVRoIAlign
from torch import Tensor, nn
from torch.nn.modules.utils import _pair  # as mmcv's RoIAlign

from ._threads import load_kernel, num_workers, run_split


def _kernels():
    """The numba kernels' module, or None (with a warning) without numba."""
    return load_kernel('_roi_align_nhwc_kernel',
                       'qdtrack.ops.RoIAlign falls back to mmcv')


def _checked_rois(rois: Tensor, batch: int, aligned: bool) -> Tensor:
    """RoIs as float32 contiguous (R, 5), or ValueError naming the problem."""
    if rois.dim() != 2 or rois.size(1) != 5:
        raise ValueError(f'expected RoIs (R, 5), got {tuple(rois.shape)}')
    rois = rois.detach().to(torch.float32).contiguous()
    if rois.numel() == 0:
        return rois
    if aligned and bool(
        ((rois[:, 3] < rois[:, 1]) | (rois[:, 4] < rois[:, 2])).any()):
        raise ValueError('RoIAlign got RoIs with x2 < x1 or y2 < y1')
    if not bool(torch.isfinite(rois).all()):
        raise ValueError('RoIAlign got non-finite RoI coordinates')
    if not bool(((rois[:, 0] >= 0) & (rois[:, 0] < batch)).all()):
        raise ValueError(f'RoI batch indices must be in [0, {batch})')
    return rois


def roi_align_forward_cpu(feats: Tensor,
                          rois: Tensor,
                          output_size: Union[int, Tuple[int, int]],
                          spatial_scale: float = 1.0,
                          sampling_ratio: int = 0,
                          aligned: bool = True) -> Tensor:
    """Average RoIAlign forward on the CPU (no autograd).

    Same arguments and result as ``mmcv.ops.roi_align(feats, rois,
    output_size, spatial_scale, sampling_ratio, 'avg', aligned)``.
    Channels-last features are read in place; NCHW ones are copied to
    channels-last first.

    Args:
        feats (Tensor): Features (B, C, H, W), float32, on the CPU.
        rois (Tensor): RoIs (R, 5): batch index, x1, y1, x2, y2.
        output_size (int | tuple[int, int]): (PH, PW) of each RoI.
        spatial_scale (float): Feature size / image size.
        sampling_ratio (int): Samples per bin side; 0 adapts to the RoI.
        aligned (bool): Pixel-centre alignment (-0.5 shift).

    Returns:
        Tensor: RoI features (R, C, PH, PW), contiguous.

    Raises:
        ValueError: On wrong shapes, non-float32 or non-CPU features,
            non-finite RoIs, RoIs with x2 < x1 or y2 < y1 (``aligned``, as
            mmcv) and batch indices outside the features.
    """
    kernels = _kernels()
    if kernels is None:  # pragma: no cover
        from mmcv.ops import roi_align
        return roi_align(feats.contiguous(), rois, output_size,
                         spatial_scale, sampling_ratio, 'avg', aligned)
    if feats.dim() != 4:
        raise ValueError(
            f'expected features (B, C, H, W), got {tuple(feats.shape)}')
    if feats.device.type != 'cpu' or feats.dtype != torch.float32:
        raise ValueError('the CPU RoIAlign takes float32 CPU features')
    pooled_h, pooled_w = _pair(output_size)
    batch, channels = feats.shape[:2]
    rois = _checked_rois(rois, batch, aligned)
    out = feats.new_empty((rois.size(0), channels, pooled_h, pooled_w))
    if rois.size(0) == 0:
        return out
    # (B, H, W, C) view; a copy only when the features are not NHWC
    nhwc = feats.detach().permute(0, 2, 3, 1).contiguous().numpy()
    rois_np, out_np = rois.numpy(), out.numpy()

    def task(first, step):
        kernels.roi_align_nhwc(nhwc, rois_np, out_np, float(spatial_scale),
                               int(sampling_ratio), bool(aligned), first,
                               step)

    run_split(task, num_workers())
    return out


class RoIAlign(MMCVRoIAlign):
    """mmcv's ``RoIAlign`` with :func:`roi_align_forward_cpu` for inference.

    Same arguments, state (none) and results. The CPU kernel runs when no
    gradient is needed, the features are float32 on the CPU and
    ``pool_mode='avg'``; otherwise mmcv's op runs (on NCHW features, which
    it requires: it misreads channels-last memory). Training keeps mmcv's
    op: a kernel with a backward was measured (equal gradients) but made a
    toy training step only 2-3% faster, for ~110 MiB more memory (numba and
    LLVM in the training process).
    """

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        """RoI features (R, C, PH, PW) of ``input`` (B, C, H, W)."""
        needs_grad = torch.is_grad_enabled() and (input.requires_grad
                                                  or rois.requires_grad)
        if (not needs_grad and input.device.type == 'cpu'
                and input.dtype == torch.float32 and self.pool_mode == 'avg'
                and not self.use_torchvision and _kernels() is not None):
            return roi_align_forward_cpu(input, rois, self.output_size,
                                         self.spatial_scale,
                                         self.sampling_ratio, self.aligned)
        return super().forward(input.contiguous(), rois)


def use_cpu_roi_align(model: nn.Module) -> int:
    """Replace every mmcv ``RoIAlign`` in ``model`` by :class:`RoIAlign`.

    RoIAlign has no parameters or buffers: the state dict is unchanged.

    Args:
        model (nn.Module): Changed in place.

    Returns:
        int: The number of layers replaced.
    """
    replaced = 0
    for parent in model.modules():
        for name, child in list(parent.named_children()):
            if type(child) is MMCVRoIAlign:
                new = RoIAlign(child.output_size, child.spatial_scale,
                               child.sampling_ratio, child.pool_mode,
                               child.aligned, child.use_torchvision)
                setattr(parent, name, new)
                replaced += 1
    return replaced
