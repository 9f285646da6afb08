"""Speed and equality of our DeformFusion against the public MASA module.

    python tools/benchmarks/bench_deform_fusion.py REFERENCE_FILE
        [--channels 256] [--size 512 512] [--blocks 3] [--rounds 5]
        [--threads 1] [--dcn kernel|torch|mmcv]

REFERENCE_FILE is ``masa/models/necks/deform_fusion.py`` of a checkout of
the public MASA code (siyuanliii/masa; mmcv, mmdet and mmengine, no
torchvision). It imports ``einops`` for a class DeformFusion does not use:
when einops is not installed, an empty stand-in module is put in its place.
Its ``DeformFusion`` is built beside ours, our random weights
are loaded into it (same keys and shapes), and both run on the same
5-level pyramid of an image of ``--size`` (strides 4 to 64), alternating
which runs first in every round. Prints the largest absolute difference of
the outputs, the median CPU ms per forward pass of each and the CPU time
spent in the modulated deformable convolutions of each (process CPU time,
so that other jobs on the machine do not count; one untimed pass first).
``--dcn`` picks our convs: ``kernel`` (default: what DeformFusion runs at
CPU inference, ``qdtrack.ops.modulated_deform_conv2d_forward_cpu``),
``torch`` (``torch_dcn=True``) or ``mmcv`` (the public code's op:
bit-identical outputs).
"""
import argparse
import importlib.util
import os.path as osp
import statistics
import sys
import time
import types
from contextlib import contextmanager

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from qdtrack.models.necks import DeformFusion  # noqa: E402

DCN_PATHS = {  # --dcn -> (torch_dcn, cpu_kernel) of our DeformFusion
    'kernel': (False, True),
    'torch': (True, False),
    'mmcv': (False, False),
}


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
    parser.add_argument(
        '--dcn', choices=sorted(DCN_PATHS), default='kernel',
        help='our deformable convs: the CPU inference kernel (default, what '
        'DeformFusion runs), plain torch, or mmcv')
    return parser.parse_args()


def load_reference_modules(paths, scope='bench'):
    """Import files of the public MASA code, registering into a scratch
    registry.

    The files register their classes into ``mmdet.registry.MODELS``; while
    they are imported that name points to a child registry of mmdet's
    (scope ``scope``), so that mmdet's own registry is left unchanged and
    the public classes are found only when building in that scope.

    Args:
        paths (list[str]): Python files of the checkout.
        scope (str): Scope of the scratch registry. Defaults to 'bench'.

    Returns:
        tuple: The scratch registry and the list of imported modules.
    """
    from mmdet import registry
    from mmengine.registry import Registry
    try:
        import einops  # noqa: F401
    except ImportError:  # used only by LayerNormProxy, not DeformFusion
        stand_in = types.ModuleType('einops')
        stand_in.rearrange = None
        sys.modules['einops'] = stand_in
    scratch = Registry(scope, parent=registry.MODELS, scope=scope)
    real = registry.MODELS
    registry.MODELS = scratch  # the files register into mmdet.registry
    modules = []
    try:
        for i, path in enumerate(paths):
            name = f'masa_reference_{i}_' + osp.splitext(
                osp.basename(path))[0]
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            modules.append(module)
    finally:
        registry.MODELS = real
    return scratch, modules


def load_reference(path, name='DeformFusion'):
    """A class of the public MASA file ``path`` (its ``DeformFusion`` by
    default)."""
    return getattr(load_reference_modules([path])[1][0], name)


@contextmanager
def dcn_timer():
    """Accumulate process CPU seconds spent in modulated deformable convs:
    mmcv's ``ModulatedDeformConv2d.forward`` and qdtrack's
    ``modulated_deform_conv2d_torch`` and
    ``modulated_deform_conv2d_forward_cpu`` (as DeformFusion calls them)."""
    from mmcv.ops import ModulatedDeformConv2d

    from qdtrack.models.necks import deform_fusion
    total = [0.]

    def timed(fn):

        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                total[0] += time.process_time() - start

        return wrapper

    mmcv_forward = ModulatedDeformConv2d.forward
    ours = ('modulated_deform_conv2d_torch',
            'modulated_deform_conv2d_forward_cpu')
    saved = {name: getattr(deform_fusion, name) for name in ours}
    ModulatedDeformConv2d.forward = timed(mmcv_forward)
    for name, fn in saved.items():
        setattr(deform_fusion, name, timed(fn))
    try:
        yield total
    finally:
        ModulatedDeformConv2d.forward = mmcv_forward
        for name, fn in saved.items():
            setattr(deform_fusion, name, fn)


def timed(fn, *args):
    """Output of ``fn(*args)`` without gradients, and its process CPU ms."""
    start = time.process_time()
    with torch.no_grad():
        out = fn(*args)
    return out, (time.process_time() - start) * 1000


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    reference_cls = load_reference(args.reference)
    torch_dcn, cpu_kernel = DCN_PATHS[args.dcn]
    ours = DeformFusion(args.channels, args.channels, args.blocks,
                        torch_dcn=torch_dcn, cpu_kernel=cpu_kernel).eval()
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
    timed(ours, feats)  # warm-up: first calls load the numba kernel
    timed(ref, feats)
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
    # time inside the deformable convs, one more forward pass of each
    dcn_ms = {}
    for name, module in (('ours', ours), ('reference', ref)):
        with torch.no_grad(), dcn_timer() as total:
            module(feats)
        dcn_ms[name] = total[0] * 1000
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f'pyramid of {h}x{w}, {args.channels} channels, {args.blocks} '
          f'blocks, {args.threads} thread(s), {args.rounds} rounds, '
          f'our DCN: {args.dcn}')
    print(f'max |ours - reference| = {diff:.3g}')
    print(f"ours      {med['ours']:9.1f} ms")
    print(f"reference {med['reference']:9.1f} ms")
    print(f"ratio reference/ours = {med['reference'] / med['ours']:.3f}")
    print(f"in the deformable convs (process CPU time, one pass): ours "
          f"{dcn_ms['ours']:.1f} ms, reference {dcn_ms['reference']:.1f} ms")


if __name__ == '__main__':
    main()
