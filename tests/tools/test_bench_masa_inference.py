"""tools/benchmarks/bench_masa_inference.py without the public checkout:
frames, our three deformable conv paths, the comparison."""
import os
import os.path as osp
import sys

import mmcv
import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmarks'))
import bench_masa_inference as bench  # noqa: E402

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]

# masa_r50 shrunk for the CPU (as tests/models/mot/test_masa.py)
SMALL_CFG = f"""
_base_ = ['{ROOT}/configs/_base_/models/masa_r50.py']
model = dict(
    backbone=dict(depth=18, base_channels=16),
    masa_adapter=dict(
        pyramid=dict(in_channels=[16, 32, 64, 128], out_channels=32),
        fusion=dict(in_channels=32, out_channels=32)),
    rpn_head=dict(in_channels=32, feat_channels=32),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=32),
        bbox_head=dict(in_channels=32, conv_out_channels=32,
                       fc_out_channels=64)),
    track_head=dict(
        roi_extractor=dict(out_channels=32),
        embed_head=dict(in_channels=32, conv_out_channels=32,
                        fc_out_channels=64, embed_channels=32,
                        norm_cfg=dict(type='GN', num_groups=8))))
"""


@pytest.fixture
def sequence(tmp_path):
    """A 2-frame MOT sequence of 40x30 images (frame 2 without boxes)."""
    seq = tmp_path / 'SEQ-01'
    (seq / 'img1').mkdir(parents=True)
    (seq / 'det').mkdir()
    rng = np.random.default_rng(0)
    for i in (1, 2, 3):
        mmcv.imwrite(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8),
                     str(seq / 'img1' / f'{i:06d}.png'))
    (seq / 'seqinfo.ini').write_text(
        '[Sequence]\nname=SEQ-01\nimDir=img1\nframeRate=10\nseqLength=3\n'
        'imWidth=40\nimHeight=30\nimExt=.png\n')
    (seq / 'det' / 'det.txt').write_text(
        '1,-1,2,3,10,8,0.9,-1,-1,-1\n1,-1,20,10,6,12,0.8,-1,-1,-1\n'
        '3,-1,5,5,20,20,0.7,-1,-1,-1\n')
    return str(seq)


def test_load_frames_pads_scales_and_skips_empty_frames(sequence):
    frames = bench.load_frames(sequence, 2, MEAN, STD)
    (img1, boxes1), (img3, boxes3) = frames
    assert img1.shape == (1, 3, 32, 64)  # 30x40 padded to 32
    assert (img1[..., 30:, :] == 0).all() and (img1[..., 40:] == 0).all()
    torch.testing.assert_close(
        boxes1, torch.tensor([[2., 3., 12., 11.], [20., 10., 26., 22.]]))
    torch.testing.assert_close(boxes3, torch.tensor([[5., 5., 25., 25.]]))
    raw = mmcv.imread(osp.join(sequence, 'img1', '000001.png'),
                      channel_order='rgb').astype(np.float32)
    expected = (raw[0, 0] - np.float32(MEAN)) / np.float32(STD)
    torch.testing.assert_close(img1[0, :, 0, 0], torch.from_numpy(expected))
    # resized to 80x60: boxes x2, padded to 64x96
    (big, big_boxes), _ = bench.load_frames(sequence, 2, MEAN, STD,
                                            size=(80, 60))
    assert big.shape == (1, 3, 64, 96)
    torch.testing.assert_close(big_boxes, boxes1 * 2)
    with pytest.raises(ValueError, match='only 2 frames with boxes'):
        bench.load_frames(sequence, 3, MEAN, STD)


def test_our_dcn_paths_give_equal_embeddings(sequence, tmp_path):
    """The comparison the benchmark makes against the public code, run on
    our three deformable conv paths: equal embeddings, times measured."""
    cfg = tmp_path / 'small.py'
    cfg.write_text(SMALL_CFG)
    torch.manual_seed(0)
    models = {name: bench.build_ours(str(cfg), *flags)
              for name, flags in bench.OUR_DCNS.items()}
    state = models['ours'].state_dict()
    offsets = [v for k, v in state.items() if 'spatial_conv_offset' in k]
    assert offsets and all(v.abs().sum() > 0 for v in offsets)
    for model in models.values():
        model.load_state_dict(state, strict=True)
    frames = bench.load_frames(sequence, 2, MEAN, STD, size=(80, 60))
    res = bench.compare(
        {n: bench.ours_embed(m) for n, m in models.items()}, frames,
        repeats=1)
    assert res['max_abs_diff']['ours'] == 0
    assert res['scale'] > 0
    for name in models:
        assert res['max_abs_diff'][name] <= 1e-5 * max(1, res['scale'])
        assert res['cpu_s'][name] > 0
        assert 0 < res['dcn_s'][name]
    # the embeddings are the track head's (K, 32) for both frames' boxes
    with torch.no_grad():
        emb = bench.ours_embed(models['ours'])(*frames[0])
    assert emb.shape == (2, 32)


def test_dcn_timer_restores_the_ops():
    from mmcv.ops import ModulatedDeformConv2d

    from qdtrack.models.necks import deform_fusion
    before = (ModulatedDeformConv2d.forward,
              deform_fusion.modulated_deform_conv2d_torch,
              deform_fusion.modulated_deform_conv2d_forward_cpu)
    with bench.dcn_timer() as total:
        conv = ModulatedDeformConv2d(4, 4, 3, padding=1)
        with torch.no_grad():
            conv(torch.randn(1, 4, 6, 6), torch.zeros(1, 18, 6, 6),
                 torch.ones(1, 9, 6, 6))
    assert total[0] > 0
    assert (ModulatedDeformConv2d.forward,
            deform_fusion.modulated_deform_conv2d_torch,
            deform_fusion.modulated_deform_conv2d_forward_cpu) == before


@pytest.mark.skipif(
    not os.environ.get('QDTRACK_MASA_REF'),
    reason='set QDTRACK_MASA_REF to a siyuanliii/masa checkout '
    '(tools/benchmarks/masa_reference.sh)')
def test_reference_fusion_equals_ours_live():
    """With a public checkout: its DeformFusion (mmcv) and ours (the CPU
    kernel at inference) on the same weights and pyramid."""
    from bench_deform_fusion import load_reference

    from qdtrack.models.necks import DeformFusion
    path = osp.join(os.environ['QDTRACK_MASA_REF'],
                    'masa/models/necks/deform_fusion.py')
    torch.manual_seed(0)
    ours = DeformFusion(32, 32, num_blocks=2).eval()
    with torch.no_grad():
        for p in ours.parameters():
            p.normal_(0, 0.05)
    ref = load_reference(path)(32, 32, num_blocks=2).eval()
    ref.load_state_dict(ours.state_dict(), strict=True)
    feats = [torch.randn(1, 32, h, w)
             for h, w in ((24, 40), (12, 20), (6, 10), (3, 5), (2, 3))]
    with torch.no_grad():
        for a, b in zip(ours(feats), ref(feats)):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
