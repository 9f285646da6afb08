import pytest
import torch
import torch.nn.functional as F
from mmcv.ops import modulated_deform_conv2d

from qdtrack.models.necks import DeformFusion, DeformFusionBlock
from qdtrack.models.necks.deform_fusion import as_read_by_mmcv, conv_out_size


def pyramid(channels=16, sizes=((16, 20), (8, 10), (4, 5)), batch=2,
            seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(batch, channels, h, w, generator=g) for h, w in sizes]


def randomise(module, seed=1):
    """Random weights everywhere, offsets included (zero-initialised ones
    would hide the layout of the offsets)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    return module


def mmcv_direct(conv, x, offset, mask):
    """mmcv's op called as the public code calls it: whatever the spatial
    size of the offsets."""
    out = modulated_deform_conv2d(x.contiguous(), offset, mask,
                                  conv.conv.weight, None, conv.stride, 1, 1,
                                  1, 1)
    return conv.norm(out)


def test_as_read_by_mmcv_matches_mmcv_on_mismatched_offsets():
    """The upper path's quirk: offsets of level l (8x10) drive a conv on
    level l+1 (4x5 output). Our explicit view gives mmcv's numbers, for
    every image of the batch and for a channel slice of an 81-channel
    prediction (as in the block)."""
    block = randomise(DeformFusionBlock(16, 16))
    x_l, x_up = pyramid(sizes=((8, 10), (4, 5)))
    offsets, masks = block.offsets_and_masks(x_l)
    assert not offsets[2].is_contiguous()  # a slice of the prediction
    conv = block.spatial_conv_high
    direct = mmcv_direct(conv, x_up, offsets[2], masks[2])
    size = conv.out_size(x_up)
    assert size == (4, 5)
    ours = conv(x_up, as_read_by_mmcv(offsets[2], size),
                as_read_by_mmcv(masks[2], size))
    assert direct.shape == ours.shape == (2, 16, 4, 5)
    torch.testing.assert_close(ours, direct, rtol=0, atol=0)
    # and it is not what the offsets at the matching positions would give
    # (made contiguous: mmcv ignores strides, a strided crop would be read
    # from the same memory as the full tensor)
    naive = conv(x_up, offsets[2][..., :4, :5].contiguous(),
                 masks[2][..., :4, :5].contiguous())
    assert (naive - direct).abs().max() > 1e-3


def test_as_read_by_mmcv_layout():
    t = torch.arange(2 * 3 * 4 * 4.).view(2, 3, 4, 4)
    out = as_read_by_mmcv(t, (2, 2))
    # image 1 starts at its own block; planes of 4 values, channel-major
    torch.testing.assert_close(out[1].flatten(), t[1].flatten()[:12])
    assert out[0, 2].tolist() == [[8., 9.], [10., 11.]]
    assert as_read_by_mmcv(t, (4, 4)) is t
    with pytest.raises(ValueError, match='read past'):
        as_read_by_mmcv(t, (5, 4))


def reference_block(block, feats):
    """The fusion as the public code computes it: mmcv called directly with
    level-l offsets on every path."""
    outs = []
    for level, x in enumerate(feats):
        offsets, masks = block.offsets_and_masks(x)
        total = mmcv_direct(block.spatial_conv_mid, x, offsets[0], masks[0])
        count = 1
        if level > 0:
            total = total + mmcv_direct(block.spatial_conv_low,
                                        feats[level - 1], offsets[1],
                                        masks[1])
            count += 1
        if level < len(feats) - 1:
            high = mmcv_direct(block.spatial_conv_high, feats[level + 1],
                               offsets[2], masks[2])
            total = total + F.interpolate(
                high, size=x.shape[-2:], mode='bilinear', align_corners=True)
            count += 1
        outs.append(total / count)
    return outs


def test_block_equals_direct_mmcv_reference():
    block = randomise(DeformFusionBlock(16, 16))
    feats = pyramid(sizes=((16, 20), (8, 10), (4, 5), (2, 3)))
    ours = block(feats)
    ref = reference_block(block, feats)
    assert [o.shape for o in ours] == [f.shape for f in feats]
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_zero_init_is_plain_conv_with_half_masks():
    """Zero-initialised offset conv: no offsets, masks sigmoid(0) = 0.5, so
    every path is 0.5 * a plain 3x3 conv."""
    block = DeformFusionBlock(16, 16)
    assert block.spatial_conv_offset.weight.abs().sum() == 0
    assert block.spatial_conv_offset.out_channels == 81
    feats = pyramid(sizes=((8, 10), (4, 5)))
    out = block(feats)

    def plain(conv, x):
        return conv.norm(0.5 * F.conv2d(x, conv.conv.weight,
                                        stride=conv.stride, padding=1))

    high = F.interpolate(
        plain(block.spatial_conv_high, feats[1]), size=(8, 10),
        mode='bilinear', align_corners=True)
    expected0 = (plain(block.spatial_conv_mid, feats[0]) + high) / 2
    expected1 = (plain(block.spatial_conv_mid, feats[1]) +
                 plain(block.spatial_conv_low, feats[0])) / 2
    torch.testing.assert_close(out[0], expected0, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(out[1], expected1, rtol=1e-4, atol=1e-5)


def test_upsample_first_uses_matching_offsets():
    block = randomise(DeformFusionBlock(16, 16, upsample_first=True))
    feats = pyramid(sizes=((8, 10), (4, 5)))
    out = block(feats)
    offsets, masks = block.offsets_and_masks(feats[0])
    up = F.interpolate(feats[1], size=(8, 10), mode='bilinear',
                       align_corners=True)
    expected = (block.spatial_conv_mid(feats[0], offsets[0], masks[0]) +
                block.spatial_conv_high(up, offsets[2], masks[2])) / 2
    torch.testing.assert_close(out[0], expected, rtol=0, atol=0)


def test_deform_fusion_layout_shapes_and_gradients():
    fusion = DeformFusion(16, 32, num_blocks=3)
    keys = {k: tuple(v.shape) for k, v in fusion.state_dict().items()}
    assert keys['dyhead_blocks.0.spatial_conv_offset.weight'] == (81, 16, 3,
                                                                  3)
    assert keys['dyhead_blocks.1.spatial_conv_offset.weight'] == (81, 32, 3,
                                                                  3)
    assert keys['dyhead_blocks.2.spatial_conv_low.conv.weight'] == (32, 32,
                                                                    3, 3)
    assert keys['dyhead_blocks.0.spatial_conv_high.norm.weight'] == (32, )
    assert 'dyhead_blocks.0.spatial_conv_mid.conv.bias' not in keys
    assert len([k for k in keys if k.startswith('dyhead_blocks.')]) == \
        3 * (2 + 3 * 3)
    randomise(fusion)
    feats = [f.requires_grad_() for f in pyramid(
        sizes=((16, 20), (8, 10), (4, 5), (2, 3), (1, 2)))]
    outs = fusion(feats)
    assert isinstance(outs, tuple)
    assert [o.shape[1:] for o in outs] == [
        (32, 16, 20), (32, 8, 10), (32, 4, 5), (32, 2, 3), (32, 1, 2)]
    sum(o.sum() for o in outs).backward()
    grad = fusion.dyhead_blocks[0].spatial_conv_offset.weight.grad
    assert grad is not None and torch.isfinite(grad).all()
    assert grad.abs().sum() > 0
    assert all(torch.isfinite(f.grad).all() for f in feats)


def test_conv_out_size():
    assert conv_out_size((7, 8), 2) == (4, 4)
    assert conv_out_size((7, 8), 1) == (7, 8)


def test_init_cfg_refused():
    with pytest.raises(ValueError, match='init_cfg'):
        DeformFusion(16, 16, init_cfg=dict(type='Xavier'))


def test_torch_dcn_fusion_equals_mmcv_fusion():
    """The plain-torch deformable convs give the mmcv fusion's numbers
    (released upper-path layout included) and gradients."""
    ref = randomise(DeformFusion(16, 16, num_blocks=2))
    ours = DeformFusion(16, 16, num_blocks=2, torch_dcn=True)
    ours.load_state_dict(ref.state_dict())
    feats = pyramid(sizes=((16, 20), (8, 10), (4, 5)))
    out_ref = ref(feats)
    out = ours(feats)
    for a, b in zip(out, out_ref):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
    sum(o.square().sum() for o in out).backward()
    sum(o.square().sum() for o in out_ref).backward()
    for (name, p), q in zip(ours.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-3, atol=1e-3,
                                   msg=name)


def test_cpu_inference_kernel_equals_mmcv_fusion(monkeypatch):
    """At inference on the CPU the numba kernel runs (by default, also with
    ``torch_dcn=True``) and gives the mmcv fusion's numbers, the released
    upper-path layout included; with gradients the chosen op runs."""
    from qdtrack.models.necks import deform_fusion
    calls = []
    kernel = deform_fusion.modulated_deform_conv2d_forward_cpu

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return kernel(*args, **kwargs)

    monkeypatch.setattr(deform_fusion, 'modulated_deform_conv2d_forward_cpu',
                        counted)
    ref = randomise(DeformFusion(16, 16, num_blocks=2, cpu_kernel=False))
    feats = pyramid(sizes=((16, 20), (8, 10), (4, 5)))
    with torch.no_grad():
        out_ref = ref(feats)
    assert calls == []
    for torch_dcn in (False, True):
        ours = DeformFusion(16, 16, num_blocks=2, torch_dcn=torch_dcn)
        ours.load_state_dict(ref.state_dict())
        with torch.no_grad():
            out = ours(feats)
        # 2 blocks x (3 mid + 2 low + 2 high) convs
        assert len(calls) == 14
        for a, b in zip(out, out_ref):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
        calls.clear()
        ours(feats)  # parameters need gradients: training path
        assert calls == []
