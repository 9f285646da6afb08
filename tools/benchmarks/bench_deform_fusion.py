"""Speed and equality of our DeformFusion against the public MASA module.

    python tools/benchmarks/bench_deform_fusion.py REFERENCE_FILE
        [--channels 256] [--size 512 512] [--blocks 3] [--rounds 5]
        [--threads 1]

REFERENCE_FILE is ``masa/models/necks/deform_fusion.py`` of a checkout of
the public MASA code (siyuanliii/masa; mmcv, mmdet and mmengine, no
torchvision). It imports ``einops`` for a class DeformFusion does not use:
when einops is not installed, an empty stand-in module is put in its place.
Its ``DeformFusion`` is built beside ours, our random weights
are loaded into it (same keys and shapes), and both run on the same
5-level pyramid of an image of ``--size`` (strides 4 to 64), alternating
which runs first in every round. Prints the largest absolute difference of
the outputs, the median ms per forward pass of each, and the time spent
in mmcv's modulated deformable convolutions (the part both share).
"""
import argparse
import importlib.util
import os.path as osp
import statistics
import sys
import time
import types

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from qdtrack.models.necks import DeformFusion  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('reference', help='the public deform_fusion.py')
    parser.add_argument('--channels', type=int, default=256)
    parser.add_argument('--size', type=int, nargs=2, default=[512, 512],
                        metavar=('H', 'W'))
    parser.add_argument('--blocks', type=int, default=3)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def load_reference(path, name='DeformFusion'):
    """A class of a public MASA file (its ``DeformFusion`` by default),
    registered under a scratch scope so that mmdet's registry is left as
    it was."""
    from mmdet import registry
    from mmengine.registry import Registry
    try:
        import einops  # noqa: F401
    except ImportError:  # used only by LayerNormProxy, not DeformFusion
        stand_in = types.ModuleType('einops')
        stand_in.rearrange = None
        sys.modules['einops'] = stand_in
    scratch = Registry('bench', parent=registry.MODELS, scope='bench')
    real = registry.MODELS
    registry.MODELS = scratch  # the file registers into mmdet.registry
    try:
        spec = importlib.util.spec_from_file_location('masa_reference', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        registry.MODELS = real
    return getattr(module, name)


def timed(fn, *args):
    start = time.perf_counter()
    with torch.no_grad():
        out = fn(*args)
    return out, (time.perf_counter() - start) * 1000


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    reference_cls = load_reference(args.reference)
    ours = DeformFusion(args.channels, args.channels, args.blocks).eval()
    with torch.no_grad():
        for p in ours.parameters():  # offsets too: zero ones hide layouts
            p.normal_(0, 0.05)
    ref = reference_cls(args.channels, args.channels,
                        num_blocks=args.blocks).eval()
    ref.load_state_dict(ours.state_dict(), strict=True)
    h, w = args.size
    feats = [
        torch.randn(1, args.channels, -(-h // s), -(-w // s))
        for s in (4, 8, 16, 32, 64)
    ]
    times = {'ours': [], 'reference': []}
    diff = 0.
    for r in range(args.rounds):
        order = [('ours', ours), ('reference', ref)]
        if r % 2:
            order.reverse()
        outs = {}
        for name, module in order:
            outs[name], ms = timed(module, feats)
            times[name].append(ms)
        diff = max(diff, max((a - b).abs().max().item()
                             for a, b in zip(outs['ours'],
                                             outs['reference'])))
    # the shared part: time inside mmcv's deformable conv in one of our
    # forward passes (torch profiler, self CPU time of the op)
    with torch.no_grad(), torch.autograd.profiler.profile() as prof:
        ours(feats)
    dcn_ms = sum(e.self_cpu_time_total for e in prof.key_averages()
                 if 'ModulatedDeformConv2d' in e.key) / 1000
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f'pyramid of {h}x{w}, {args.channels} channels, {args.blocks} '
          f'blocks, {args.threads} thread(s), {args.rounds} rounds')
    print(f'max |ours - reference| = {diff:.3g}')
    print(f"ours      {med['ours']:9.1f} ms")
    print(f"reference {med['reference']:9.1f} ms")
    print(f"ratio reference/ours = {med['reference'] / med['ours']:.3f}")
    print(f'of which mmcv modulated deformable convs (profiled, ours) '
          f'{dcn_ms:.1f} ms')


if __name__ == '__main__':
    main()
