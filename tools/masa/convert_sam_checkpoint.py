"""Convert an official SAM checkpoint to a checkpoint of our ``SAMViT``.

Official SAM files (``sam_vit_b_01ec64.pth``, ``sam_vit_h_4b8939.pth``)
hold a plain state dict with ``image_encoder.*``, ``prompt_encoder.*`` and
``mask_decoder.*``. MASA needs the image encoder only: its keys lose the
``image_encoder.`` prefix (they are then exactly the keys of
:class:`qdtrack.models.backbones.SAMViT`) and the rest is dropped::

    python tools/masa/convert_sam_checkpoint.py sam_vit_b_01ec64.pth \\
        checkpoints/sam_vit-b_encoder.pth
    # in a config:
    #   model.backbone.init_cfg=dict(type='Pretrained',
    #                                checkpoint='checkpoints/...pth')

``--prefix backbone.`` writes the keys as a whole MASA model names them,
for ``load_from``. ``--masa sam_vitb_masa.pth`` adds the adapter and heads
of a released MASA-SAM checkpoint (``masa_adapter.*``, ``rpn_head.*``,
``roi_head.*``, ``track_head.*``) to the encoder under ``backbone.``: one
file that loads strictly into ``configs/_base_/models/masa_sam_vit-b.py``
(``tools/test.py CONFIG OUT.pth``). The public code holds SAM as a frozen
detector (``detector.backbone.*``, ``detector.prompt_encoder.*``,
``detector.mask_decoder.*``); those keys of the MASA file are dropped, the
encoder comes from the SAM file. The output is written atomically; its
``meta`` records the source files, the architecture found (embedding
width, depth, image size) and the number of dropped tensors.
"""
import argparse
import io
import os.path as osp
import sys
from typing import Dict, Optional, Sequence

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from qdtrack.utils.io import atomic_write_bytes  # noqa: E402

ENCODER_PREFIX = 'image_encoder.'


def sam_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Read the state dict of a SAM checkpoint, refusing anything else.

    Args:
        path (str): The file; a bare state dict (the official files) or one
            under ``'model'`` / ``'state_dict'``.

    Returns:
        dict[str, Tensor]: The whole state dict.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``path`` is not a torch file, or not a SAM checkpoint
            (no ``image_encoder.*`` key), naming the file and what it has.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such SAM checkpoint')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # pickle, zip or format errors of every kind
        raise ValueError(f'{path} is not a readable torch checkpoint: '
                         f'{type(e).__name__}: {e}') from e
    if isinstance(ckpt, dict):
        for key in ('model', 'state_dict'):
            if isinstance(ckpt.get(key), dict):
                ckpt = ckpt[key]
                break
    if not isinstance(ckpt, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor)
            for k, v in ckpt.items()):
        raise ValueError(f'{path} is not a SAM checkpoint: expected a state '
                         f'dict of tensors, got {type(ckpt).__name__}')
    if not any(k.startswith(ENCODER_PREFIX) for k in ckpt):
        shown = ', '.join(sorted(ckpt)[:5]) or 'no keys'
        raise ValueError(
            f'{path} is not a SAM checkpoint: no {ENCODER_PREFIX}* key '
            f'(it has {len(ckpt)} keys: {shown}{", ..." * (len(ckpt) > 5)})')
    return ckpt


def convert(state: Dict[str, torch.Tensor],
            prefix: str = '') -> Dict[str, torch.Tensor]:
    """Map ``image_encoder.K`` to ``prefix + K``; drop every other key.

    Args:
        state (dict[str, Tensor]): A SAM state dict.
        prefix (str): Prefix of the output keys ('' for the backbone
            itself, ``'backbone.'`` for a MASA model).

    Returns:
        dict[str, Tensor]: The encoder's tensors (contiguous copies).
    """
    return {
        prefix + k[len(ENCODER_PREFIX):]: v.contiguous().clone()
        for k, v in state.items() if k.startswith(ENCODER_PREFIX)
    }


MASA_PREFIXES = ('masa_adapter.', 'rpn_head.', 'roi_head.', 'track_head.')


def masa_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """The adapter and heads of a released MASA(-SAM) checkpoint.

    Args:
        path (str): A checkpoint of the public MASA code (state dict under
            ``'state_dict'``, or bare).

    Returns:
        dict[str, Tensor]: Its ``masa_adapter.*``, ``rpn_head.*``,
        ``roi_head.*`` and ``track_head.*`` tensors.

    Raises:
        FileNotFoundError, ValueError: ``path`` is missing, unreadable or
            has no ``masa_adapter.*`` key.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such MASA checkpoint')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:
        raise ValueError(f'{path} is not a readable torch checkpoint: '
                         f'{type(e).__name__}: {e}') from e
    if isinstance(ckpt, dict) and isinstance(ckpt.get('state_dict'), dict):
        ckpt = ckpt['state_dict']
    if not isinstance(ckpt, dict) or not any(
            isinstance(k, str) and k.startswith('masa_adapter.')
            for k in ckpt):
        raise ValueError(f'{path} is not a MASA checkpoint: no '
                         'masa_adapter.* key')
    return {k: v for k, v in ckpt.items()
            if k.startswith(MASA_PREFIXES) and isinstance(v, torch.Tensor)}


def encoder_arch(encoder: Dict[str, torch.Tensor], prefix: str = '') -> dict:
    """Embedding width, depth, patch and image size of converted weights."""
    pos = encoder[prefix + 'pos_embed']  # (1, H/16, W/16, C)
    patch = encoder[prefix + 'patch_embed.proj.weight'].shape[-1]
    blocks = {k[len(prefix) + len('blocks.'):].split('.')[0]
              for k in encoder if k.startswith(prefix + 'blocks.')}
    return dict(embed_dim=int(pos.shape[-1]), depth=len(blocks),
                patch_size=int(patch), img_size=int(pos.shape[1] * patch))


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Convert ``SAM.pth`` to ``OUT.pth``; returns the written meta."""
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('sam', help='official SAM checkpoint (image_encoder.*)')
    p.add_argument('out', help='output checkpoint of SAMViT')
    p.add_argument('--prefix', default='',
                   help="prefix of the output keys, e.g. 'backbone.' "
                   'for load_from of a whole MASA model')
    p.add_argument('--masa', help='released MASA-SAM checkpoint whose '
                   'adapter and heads join the encoder (implies --prefix '
                   'backbone.)')
    args = p.parse_args(argv)
    if args.masa:
        if args.prefix not in ('', 'backbone.'):
            raise ValueError('--masa writes a whole model: --prefix must '
                             f"be 'backbone.', got {args.prefix!r}")
        args.prefix = 'backbone.'
    state = sam_state_dict(args.sam)
    encoder = convert(state, args.prefix)
    missing = [k for k in ('pos_embed', 'patch_embed.proj.weight')
               if args.prefix + k not in encoder]
    if missing:
        raise ValueError(f'{args.sam}: the image encoder has no '
                         f'{", ".join(missing)}: not a SAM ViT encoder')
    meta = dict(source=osp.abspath(args.sam), prefix=args.prefix,
                dropped=len(state) - len(encoder),
                **encoder_arch(encoder, args.prefix))
    out = dict(encoder)
    if args.masa:
        heads = masa_state_dict(args.masa)
        out.update(heads)
        meta.update(masa_source=osp.abspath(args.masa),
                    masa_tensors=len(heads))
    buf = io.BytesIO()
    torch.save(dict(state_dict=out, meta=meta), buf)
    atomic_write_bytes(args.out, buf.getvalue())
    print(f'wrote {args.out}: {len(encoder)} encoder tensors '
          f'(embed_dim {meta["embed_dim"]}, depth {meta["depth"]}, '
          f'img_size {meta["img_size"]}), dropped {meta["dropped"]}'
          + (f', + {meta["masa_tensors"]} MASA adapter and head tensors'
             if args.masa else ''))
    return meta


if __name__ == '__main__':
    main()
