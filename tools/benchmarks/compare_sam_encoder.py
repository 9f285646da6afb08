"""Our SAMViT against the public MASA code's SAM encoder, random weights.

    python tools/benchmarks/compare_sam_encoder.py MASA_SAM_DIR
        [--arch vit-b] [--size 1024] [--threads 1]

MASA_SAM_DIR is ``masa/models/sam`` of a checkout of the public MASA code
(siyuanliii/masa); its ``image_encoder.py`` and ``common.py`` are loaded
as a scratch package (mmdet's registry left as it was). Its
``ImageEncoderViT`` is built with the public config's values
(configs/masa-sam/sam-vit{b,h}.py: ``out_indices`` = the global blocks),
our random ``SAMViT`` weights are loaded into it strictly (same keys), and
both encode one random image of ``--size``: prints the largest absolute
difference of the four multi-level outputs (the public
``forward_base_multi_level``) and the time of each.
"""
import argparse
import importlib.util
import os.path as osp
import sys
import time
import types

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from qdtrack.models.backbones import SAM_VIT_ARCHS, SAMViT  # noqa: E402


def load_public_encoder(folder):
    """The public ``ImageEncoderViT`` class (its relative import of
    ``.common`` resolved in a scratch package)."""
    from mmdet import registry
    from mmengine.registry import Registry
    package = types.ModuleType('masa_sam_reference')
    package.__path__ = [folder]
    sys.modules['masa_sam_reference'] = package
    real = registry.MODELS
    registry.MODELS = Registry('bench', parent=real, scope='bench')
    try:
        for name in ('common', 'image_encoder'):
            spec = importlib.util.spec_from_file_location(
                f'masa_sam_reference.{name}', osp.join(folder, f'{name}.py'))
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
    finally:
        registry.MODELS = real
    return module.ImageEncoderViT


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('folder', help='masa/models/sam of the public code')
    parser.add_argument('--arch', default='vit-b', choices=SAM_VIT_ARCHS)
    parser.add_argument('--size', type=int, default=1024)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ours = SAMViT(arch=args.arch, img_size=args.size)
    with torch.no_grad():
        for p in ours.parameters():  # SAM zero-initialises some tables
            p.normal_(0, 0.02)
    arch = SAM_VIT_ARCHS[args.arch]
    public = load_public_encoder(args.folder)(
        depth=arch['depth'], embed_dim=arch['embed_dim'], img_size=args.size,
        mlp_ratio=4, num_heads=arch['num_heads'], patch_size=16,
        qkv_bias=True, use_rel_pos=True,
        global_attn_indexes=arch['global_attn_indexes'], window_size=14,
        out_chans=256, out_indices=arch['global_attn_indexes']).eval()
    public.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(1, 3, args.size, args.size)
    with torch.no_grad():
        start = time.perf_counter()
        ref = public.forward_base_multi_level(x)
        t_ref = time.perf_counter() - start
        start = time.perf_counter()
        out = ours(x)
        t_ours = time.perf_counter() - start
    diff = max(float((a - b).abs().max()) for a, b in zip(ref, out))
    print(f'{args.arch} at {args.size}: {len(out)} levels '
          f'{tuple(out[0].shape)}, max |ours - public| = {diff:.3g}; '
          f'public {t_ref:.2f} s, ours {t_ours:.2f} s')
    return diff


if __name__ == '__main__':
    main()
