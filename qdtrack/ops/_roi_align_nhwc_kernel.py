"""Numba kernel of :func:`qdtrack.ops.roi_align_forward_cpu`.

Kept in its own module so that numba is imported (and the kernel compiled,
then cached on disk) only when the CPU RoIAlign is first used.
"""
import math

import numba
import numpy as np

_F32 = np.float32


@numba.njit(nogil=True, cache=True)
def roi_align_nhwc(feats, rois, out, spatial_scale, sampling_ratio, aligned,
                   first, step):  # pragma: no cover (compiled)
    """Average RoIAlign of channels-last features, RoIs first::step.

    Serial and free of the GIL: the caller runs several calls (different
    ``first``) in threads. numba's own parallel layers are avoided because
    the one available with GNU OpenMP aborts a forked child that uses it.

    Args:
        feats (np.ndarray): Features (B, H, W, C), float32, C contiguous.
        rois (np.ndarray): RoIs (R, 5), float32: batch index, x1, y1, x2,
            y2 in input-image coordinates.
        out (np.ndarray): Output (R, C, PH, PW), float32, written.
        spatial_scale (float): Feature size / image size.
        sampling_ratio (int): Samples per bin side; 0 chooses
            ``ceil(roi_size / output_size)`` per RoI.
        aligned (bool): Shift the RoI by -0.5 pixel (pixel-centre model).
        first (int): First RoI of this call.
        step (int): Stride over the RoIs (the number of calls).
    """
    height, width, channels = feats.shape[1], feats.shape[2], feats.shape[3]
    pooled_h, pooled_w = out.shape[2], out.shape[3]
    # float32 arithmetic throughout, as the reference CPU kernel of mmcv
    offset = _F32(0.5) if aligned else _F32(0.0)
    scale = _F32(spatial_scale)
    zero, one, half = _F32(0.0), _F32(1.0), _F32(0.5)
    for r in range(first, rois.shape[0], step):
        batch = int(rois[r, 0])
        start_x = rois[r, 1] * scale - offset
        start_y = rois[r, 2] * scale - offset
        roi_w = rois[r, 3] * scale - offset - start_x
        roi_h = rois[r, 4] * scale - offset - start_y
        if not aligned:  # legacy: RoIs of at least one pixel
            roi_w = max(roi_w, one)
            roi_h = max(roi_h, one)
        bin_h = roi_h / _F32(pooled_h)
        bin_w = roi_w / _F32(pooled_w)
        grid_h = sampling_ratio
        grid_w = sampling_ratio
        if sampling_ratio <= 0:
            grid_h = int(math.ceil(roi_h / _F32(pooled_h)))
            grid_w = int(math.ceil(roi_w / _F32(pooled_w)))
        count = _F32(max(grid_h * grid_w, 1))
        # sums of the RoI's bins, (PH * PW, C): C contiguous, like feats
        sums = np.zeros((pooled_h * pooled_w, channels), dtype=_F32)
        for ph in range(pooled_h):
            for pw in range(pooled_w):
                acc = sums[ph * pooled_w + pw]
                for iy in range(grid_h):
                    y = (start_y + _F32(ph) * bin_h +
                         (_F32(iy) + half) * bin_h / _F32(grid_h))
                    for ix in range(grid_w):
                        x = (start_x + _F32(pw) * bin_w +
                             (_F32(ix) + half) * bin_w / _F32(grid_w))
                        # a sample beyond one pixel outside adds nothing
                        if (y < -one or y > _F32(height) or x < -one
                                or x > _F32(width)):
                            continue
                        y = max(y, zero)
                        x = max(x, zero)
                        y_low = int(y)
                        x_low = int(x)
                        if y_low >= height - 1:
                            y_low = y_high = height - 1
                            y = _F32(y_low)
                        else:
                            y_high = y_low + 1
                        if x_low >= width - 1:
                            x_low = x_high = width - 1
                            x = _F32(x_low)
                        else:
                            x_high = x_low + 1
                        ly = y - _F32(y_low)
                        lx = x - _F32(x_low)
                        hy = one - ly
                        hx = one - lx
                        w1, w2, w3, w4 = hy * hx, hy * lx, ly * hx, ly * lx
                        v1 = feats[batch, y_low, x_low]
                        v2 = feats[batch, y_low, x_high]
                        v3 = feats[batch, y_high, x_low]
                        v4 = feats[batch, y_high, x_high]
                        for c in range(channels):
                            acc[c] += (w1 * v1[c] + w2 * v2[c] +
                                       w3 * v3[c] + w4 * v4[c])
        for c in range(channels):  # to (C, PH, PW), the mean of each bin
            for ph in range(pooled_h):
                for pw in range(pooled_w):
                    out[r, c, ph, pw] = sums[ph * pooled_w + pw, c] / count
