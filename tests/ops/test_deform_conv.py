import pytest
import torch
from mmcv.ops import modulated_deform_conv2d

from qdtrack.ops import (
    modulated_deform_conv2d_forward_cpu,
    modulated_deform_conv2d_torch,
)
from qdtrack.ops.deform_conv import cpu_kernel_applies


@pytest.mark.parametrize('stride,size', [(1, (9, 11)), (2, (9, 11)),
                                         (2, (8, 10)), (1, (1, 3))])
def test_equals_mmcv_forward_and_backward(stride, size):
    """Large offsets move taps across and outside the image."""
    g = torch.Generator().manual_seed(stride * 100 + size[0])
    h, w = size
    ho, wo = (h - 1) // stride + 1, (w - 1) // stride + 1
    x = torch.randn(2, 8, h, w, generator=g).requires_grad_()
    offset = (torch.randn(2, 18, ho, wo, generator=g) * 3).requires_grad_()
    mask = torch.rand(2, 9, ho, wo, generator=g).requires_grad_()
    weight = torch.randn(4, 8, 3, 3, generator=g).requires_grad_()
    bias = torch.randn(4, generator=g).requires_grad_()
    ref = modulated_deform_conv2d(x, offset, mask, weight, bias, stride, 1,
                                  1, 1, 1)
    ours = modulated_deform_conv2d_torch(x, offset, mask, weight, bias,
                                         stride, 1, 1)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-4)
    inputs = [x, offset, mask, weight, bias]
    grads_ref = torch.autograd.grad((ref * ref).sum(), inputs)
    grads_ours = torch.autograd.grad((ours * ours).sum(), inputs)
    for a, b in zip(grads_ours, grads_ref):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-3)


def test_zero_offsets_full_mask_is_conv2d():
    x = torch.randn(1, 3, 5, 6)
    weight = torch.randn(2, 3, 3, 3)
    out = modulated_deform_conv2d_torch(x, torch.zeros(1, 18, 5, 6),
                                        torch.ones(1, 9, 5, 6), weight)
    torch.testing.assert_close(out, torch.conv2d(x, weight, padding=1),
                               rtol=1e-5, atol=1e-5)


def test_shape_errors():
    x = torch.randn(1, 3, 5, 6)
    with pytest.raises(ValueError, match='do not match the output'):
        modulated_deform_conv2d_torch(x, torch.zeros(1, 18, 6, 6),
                                      torch.ones(1, 9, 6, 6),
                                      torch.randn(2, 3, 3, 3))
    with pytest.raises(ValueError, match='channels'):
        modulated_deform_conv2d_torch(x, torch.zeros(1, 18, 5, 6),
                                      torch.ones(1, 9, 5, 6),
                                      torch.randn(2, 4, 3, 3))


def _case(stride, size, batch=2, channels=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    h, w = size
    ho, wo = (h - 1) // stride + 1, (w - 1) // stride + 1
    x = torch.randn(batch, channels, h, w, generator=g)
    offset = torch.randn(batch, 18, ho, wo, generator=g) * 3
    mask = torch.rand(batch, 9, ho, wo, generator=g)
    weight = torch.randn(5, channels, 3, 3, generator=g)
    bias = torch.randn(5, generator=g)
    return x, offset, mask, weight, bias


@pytest.mark.parametrize('stride,size', [(1, (9, 11)), (2, (9, 11)),
                                         (2, (8, 10)), (1, (1, 3))])
def test_cpu_kernel_equals_mmcv(stride, size):
    """Large offsets move taps across and outside the image; the kernel's
    columns are mmcv's, so only the matmul's order differs."""
    x, offset, mask, weight, bias = _case(stride, size, seed=stride)
    ref = modulated_deform_conv2d(x, offset, mask, weight, bias, stride, 1,
                                  1, 1, 1)
    ours = modulated_deform_conv2d_forward_cpu(x, offset, mask, weight,
                                               bias, stride, 1, 1)
    assert ours.shape == ref.shape and ours.is_contiguous()
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=1e-5)


def test_cpu_kernel_one_tap_by_hand():
    """One input channel, a weight with only the centre tap: the output is
    the mask times the bilinear sample at the offset position."""
    x = torch.arange(12.).view(1, 1, 3, 4)
    weight = torch.zeros(1, 1, 3, 3)
    weight[0, 0, 1, 1] = 1
    offset = torch.zeros(1, 18, 3, 4)
    offset[0, 8, 0, 0] = 0.5   # centre tap of (0, 0): dy
    offset[0, 9, 0, 0] = 0.25  # dx -> sample at (0.5, 0.25)
    offset[0, 9, 2, 3] = 0.5   # (2, 3) + (0, 0.5): right neighbour outside
    mask = torch.full((1, 9, 3, 4), 0.5)
    out = modulated_deform_conv2d_forward_cpu(x, offset, mask, weight)
    # (0.5, 0.25): rows 0 and 1, columns 0 and 1 -> 0.5 * (0.25 + 0.5 * 4)
    assert out[0, 0, 0, 0].item() == pytest.approx(0.5 * 2.25)
    # (2, 3.5): half of x[2, 3] = 11, the other corner is outside -> 0
    assert out[0, 0, 2, 3].item() == pytest.approx(0.5 * 5.5)
    assert out[0, 0, 1, 2].item() == pytest.approx(0.5 * 6)


def test_cpu_kernel_threads_and_channels_last_same_result():
    x, offset, mask, weight, bias = _case(1, (12, 7), channels=16, seed=3)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = modulated_deform_conv2d_forward_cpu(x, offset, mask, weight,
                                                  bias)
        torch.set_num_threads(3)
        three = modulated_deform_conv2d_forward_cpu(x, offset, mask, weight,
                                                    bias)
    finally:
        torch.set_num_threads(threads)
    torch.testing.assert_close(three, one, rtol=0, atol=0)
    cl = modulated_deform_conv2d_forward_cpu(
        x.contiguous(memory_format=torch.channels_last), offset,
        mask, weight, bias)
    torch.testing.assert_close(cl, one, rtol=0, atol=0)


def test_cpu_kernel_errors_and_applicability():
    x, offset, mask, weight, _ = _case(1, (5, 6), batch=1, channels=3)
    with pytest.raises(ValueError, match='do not match the output'):
        modulated_deform_conv2d_forward_cpu(x, offset[..., :5], mask[..., :5],
                                            weight)
    with pytest.raises(ValueError, match='channels'):
        modulated_deform_conv2d_forward_cpu(x, offset, mask,
                                            torch.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match='float32'):
        modulated_deform_conv2d_forward_cpu(x.double(), offset.double(),
                                            mask.double(), weight.double())
    assert cpu_kernel_applies(x, offset, mask, weight)
    weight.requires_grad_()
    assert not cpu_kernel_applies(x, offset, mask, weight)  # training
    with torch.no_grad():
        assert cpu_kernel_applies(x, offset, mask, weight)
    assert not cpu_kernel_applies(x.double(), offset, mask, weight)
