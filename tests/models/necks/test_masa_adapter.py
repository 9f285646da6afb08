import torch
from mmdet.models.necks import FPN

from qdtrack.models.necks import MASAAdapter, SimpleFPN
from qdtrack.registry import MODELS


def test_simple_fpn_shapes_and_layout():
    neck = SimpleFPN(32, 16, num_outs=5)
    x = torch.randn(2, 32, 8, 12)  # stride 16
    outs = neck(x)
    assert [tuple(o.shape) for o in outs] == [(2, 16, 32, 48),
                                              (2, 16, 16, 24),
                                              (2, 16, 8, 12), (2, 16, 4, 6),
                                              (2, 16, 2, 3)]
    keys = {k: tuple(v.shape) for k, v in neck.state_dict().items()}
    assert keys['fpn1.0.weight'] == (32, 32, 2, 2)
    assert keys['fpn1.1.ln.weight'] == (32, )
    assert keys['fpn1.3.weight'] == (32, 32, 2, 2)
    assert keys['fpn2.0.weight'] == (32, 32, 2, 2)
    assert keys['lateral_convs.3.conv.weight'] == (16, 32, 1, 1)
    assert keys['fpn_convs.0.conv.weight'] == (16, 16, 3, 3)
    # one map is the same as that map four times
    for a, b in zip(outs, neck([x] * 4)):
        torch.testing.assert_close(a, b)


def test_simple_fpn_equals_mmdet_fpn_on_rescaled_maps():
    """After the four rescaling ops, the laterals, top-down path, output
    convs and pooled 5th level are exactly mmdet's FPN."""
    torch.manual_seed(0)
    neck = SimpleFPN(8, 16, num_outs=5)
    neck.init_weights()
    fpn = FPN([8] * 4, 16, num_outs=5)
    missing = fpn.load_state_dict(
        {k: v for k, v in neck.state_dict().items()
         if k.startswith(('lateral_convs', 'fpn_convs'))}, strict=True)
    assert not missing.missing_keys
    maps = [torch.randn(1, 8, 6, 10) for _ in range(4)]
    scaled = [op(m) for op, m in zip(
        (neck.fpn1, neck.fpn2, neck.fpn3, neck.fpn4), maps)]
    for a, b in zip(neck(maps), fpn(scaled)):
        torch.testing.assert_close(a, b)


def test_adapter_layout_and_variants():
    adapter = MODELS.build(
        dict(
            type='MASAAdapter',
            pyramid=dict(type='FPN', in_channels=[8, 16], out_channels=16,
                         num_outs=3),
            fusion=dict(type='DeformFusion', in_channels=16, out_channels=16,
                        num_blocks=2)))
    keys = set(adapter.state_dict())
    assert 'adapter' not in keys
    assert '0.lateral_convs.0.conv.weight' in keys
    assert '1.dyhead_blocks.1.spatial_conv_offset.weight' in keys
    feats = [torch.randn(1, 8, 16, 16), torch.randn(1, 16, 8, 8)]
    outs = adapter(feats)
    assert [tuple(o.shape) for o in outs] == [(1, 16, 16, 16),
                                              (1, 16, 8, 8), (1, 16, 4, 4)]
    # without fusion (ablation): the pyramid alone
    plain = MASAAdapter(
        pyramid=dict(type='FPN', in_channels=[8, 16], out_channels=16,
                     num_outs=3))
    assert len(plain) == 1
    plain[0].load_state_dict(adapter[0].state_dict())
    for a, b in zip(plain(feats), adapter[0](feats)):
        torch.testing.assert_close(a, b)


def test_adapter_with_simple_fpn_and_dyhead():
    """The SAM variant: simple pyramid + mmdet's DyHead."""
    adapter = MODELS.build(
        dict(
            type='MASAAdapter',
            pyramid=dict(type='SimpleFPN', in_channels=16, out_channels=32,
                         num_outs=5),
            fusion=dict(type='DyHead', in_channels=32, out_channels=32,
                        num_blocks=1))).eval()
    outs = adapter([torch.randn(1, 16, 4, 4)] * 4)
    assert [o.shape[-1] for o in outs] == [16, 8, 4, 2, 1]
    assert any(k.startswith('1.dyhead_blocks.0.scale_attn_module')
               for k in adapter.state_dict())
