"""Numba kernel of :func:`qdtrack.ops.modulated_deform_conv2d_forward_cpu`.

Kept in its own module so that numba is imported (and the kernel compiled,
then cached on disk) only when the CPU deformable convolution is first
used. Like the RoIAlign kernel it is serial and free of the GIL: the caller
runs several calls (output rows ``first::step``) in threads.

It writes the modulated columns of DCNv2: for every output position, tap
and channel, the bilinear sample of the input at the tap's offset position
times the tap's mask, in float32 with mmcv's CPU kernel's arithmetic (same
corner weights, same sum order, same validity rule), so the columns equal
mmcv's; only the matrix product that follows sums in another order. The
input is channels-last, so every corner is a row of C contiguous values.
"""
import math

import numba
import numpy as np

_F32 = np.float32
_ONE = _F32(1.0)


@numba.njit(cache=True, nogil=True)
def deform_columns_nhwc(x, offset, mask, cols, kernel_h, kernel_w, stride,
                        padding, dilation, first,
                        step):  # pragma: no cover (compiled)
    """Modulated bilinear columns of the output rows ``first::step``.

    Args:
        x (np.ndarray): Input (N, H, W, C) float32, C contiguous.
        offset (np.ndarray): (N, 2 * K, H_out, W_out) float32; tap ``k``
            reads ``dy = offset[:, 2k]``, ``dx = offset[:, 2k + 1]``.
        mask (np.ndarray): (N, K, H_out, W_out) float32.
        cols (np.ndarray): Output (N, H_out, W_out, K, C) float32.
        kernel_h, kernel_w, stride, padding, dilation (int): Conv geometry.
        first, step (int): Output rows of this call.
    """
    n_img, height, width, channels = x.shape
    h_out, w_out = cols.shape[1], cols.shape[2]
    for b in range(n_img):
        for oh in range(first, h_out, step):
            for ow in range(w_out):
                for i in range(kernel_h):
                    for j in range(kernel_w):
                        k = i * kernel_w + j
                        out = cols[b, oh, ow, k]
                        out[:] = 0
                        h_im = _F32(oh * stride - padding + i * dilation) + \
                            offset[b, 2 * k, oh, ow]
                        w_im = _F32(ow * stride - padding + j * dilation) + \
                            offset[b, 2 * k + 1, oh, ow]
                        if not (h_im > -1 and w_im > -1 and h_im < height
                                and w_im < width):
                            continue
                        h_low = int(math.floor(h_im))
                        w_low = int(math.floor(w_im))
                        lh = h_im - _F32(h_low)
                        lw = w_im - _F32(w_low)
                        hh = _ONE - lh
                        hw = _ONE - lw
                        w1, w2, w3, w4 = hh * hw, hh * lw, lh * hw, lh * lw
                        m = mask[b, k, oh, ow]
                        has_top, has_left = h_low >= 0, w_low >= 0
                        has_bottom = h_low + 1 <= height - 1
                        has_right = w_low + 1 <= width - 1
                        # mmcv sums w1 v1 + w2 v2 + w3 v3 + w4 v4 with 0 for
                        # a corner outside; skipping those terms is exact
                        if has_top and has_left:
                            v = x[b, h_low, w_low]
                            for c in range(channels):
                                out[c] = w1 * v[c]
                        if has_top and has_right:
                            v = x[b, h_low, w_low + 1]
                            for c in range(channels):
                                out[c] += w2 * v[c]
                        if has_bottom and has_left:
                            v = x[b, h_low + 1, w_low]
                            for c in range(channels):
                                out[c] += w3 * v[c]
                        if has_bottom and has_right:
                            v = x[b, h_low + 1, w_low + 1]
                            for c in range(channels):
                                out[c] += w4 * v[c]
                        for c in range(channels):
                            out[c] *= m
