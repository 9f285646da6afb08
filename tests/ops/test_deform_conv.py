import pytest
import torch
from mmcv.ops import modulated_deform_conv2d

from qdtrack.ops import modulated_deform_conv2d_torch


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
