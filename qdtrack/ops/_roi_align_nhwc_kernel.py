"""Numba kernel of :mod:`qdtrack.ops.roi_align` (forward only).

Kept in its own module so that numba is imported (and the kernel
compiled, then cached on disk) only when the CPU RoIAlign is first used.

The kernel is serial and free of the GIL: the caller runs several calls
(different ``first``, RoIs ``first::step``) in threads. numba's own
parallel layers are avoided because the one available with GNU OpenMP
aborts a forked child that uses it. Arithmetic is float32 throughout, in
the order of mmcv's reference CPU kernel, so that the values are the
same.
"""
import math

import numba
import numpy as np

_F32 = np.float32
_ZERO, _ONE, _HALF = _F32(0.0), _F32(1.0), _F32(0.5)


@numba.njit(cache=True, inline='always')
def _roi_geometry(roi, spatial_scale, aligned, pooled_h, pooled_w,
                  sampling_ratio):  # pragma: no cover (compiled)
    """Batch index, start, bin size, samples per bin and their count."""
    offset = _HALF if aligned else _ZERO
    scale = _F32(spatial_scale)
    start_x = roi[1] * scale - offset
    start_y = roi[2] * scale - offset
    roi_w = roi[3] * scale - offset - start_x
    roi_h = roi[4] * scale - offset - start_y
    if not aligned:  # legacy: RoIs of at least one pixel
        roi_w = max(roi_w, _ONE)
        roi_h = max(roi_h, _ONE)
    bin_h = roi_h / _F32(pooled_h)
    bin_w = roi_w / _F32(pooled_w)
    grid_h = sampling_ratio
    grid_w = sampling_ratio
    if sampling_ratio <= 0:
        grid_h = int(math.ceil(roi_h / _F32(pooled_h)))
        grid_w = int(math.ceil(roi_w / _F32(pooled_w)))
    count = _F32(max(grid_h * grid_w, 1))
    return (int(roi[0]), start_y, start_x, bin_h, bin_w, grid_h, grid_w,
            count)


@numba.njit(cache=True, inline='always')
def _sample_point(start, index, bin_size, sample,
                  grid):  # pragma: no cover (compiled)
    """Coordinate of sample ``sample`` of bin ``index`` along one axis."""
    return (start + _F32(index) * bin_size +
            (_F32(sample) + _HALF) * bin_size / _F32(grid))


@numba.njit(cache=True, inline='always')
def _bilinear(y, x, height, width):  # pragma: no cover (compiled)
    """Neighbours and weights of a sample; ``valid`` False adds nothing."""
    if y < -_ONE or y > _F32(height) or x < -_ONE or x > _F32(width):
        return False, 0, 0, 0, 0, _ZERO, _ZERO, _ZERO, _ZERO
    y = max(y, _ZERO)
    x = max(x, _ZERO)
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
    hy = _ONE - ly
    hx = _ONE - lx
    return (True, y_low, y_high, x_low, x_high, hy * hx, hy * lx, ly * hx,
            ly * lx)


@numba.njit(nogil=True, cache=True)
def roi_align_nhwc(feats, rois, out, spatial_scale, sampling_ratio, aligned,
                   first, step):  # pragma: no cover (compiled)
    """Average RoIAlign of channels-last features, RoIs ``first::step``.

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
    for r in range(first, rois.shape[0], step):
        (batch, start_y, start_x, bin_h, bin_w, grid_h, grid_w,
         count) = _roi_geometry(rois[r], spatial_scale, aligned, pooled_h,
                                pooled_w, sampling_ratio)
        # sums of the RoI's bins, (PH * PW, C): C contiguous, like feats
        sums = np.zeros((pooled_h * pooled_w, channels), dtype=_F32)
        for ph in range(pooled_h):
            for pw in range(pooled_w):
                acc = sums[ph * pooled_w + pw]
                for iy in range(grid_h):
                    y = _sample_point(start_y, ph, bin_h, iy, grid_h)
                    for ix in range(grid_w):
                        x = _sample_point(start_x, pw, bin_w, ix, grid_w)
                        (valid, y_low, y_high, x_low, x_high, w1, w2, w3,
                         w4) = _bilinear(y, x, height, width)
                        if not valid:
                            continue
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
