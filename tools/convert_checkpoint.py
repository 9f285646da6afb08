"""Convert a checkpoint of the original QDTrack (SysCV/qdtrack, mmdet 2.x).

    python tools/convert_checkpoint.py IN.pth OUT.pth [--config CONFIG]

Two layouts of the public code are recognised (module names as in their
``qdtrack/models``):

- 2021 (up to commit b28af06, the released model zoo): ``QDTrack`` is a
  ``TwoStageDetector``; keys ``backbone.*``, ``neck.*``, ``rpn_head.*``,
  ``roi_head.bbox_head.*`` and ``roi_head.track_head.*`` (the embedding
  head inside ``QuasiDenseRoIHead``).
- 2022 (commit 640e366 on): ``QDTrack`` holds ``detector.*`` and
  ``track_head.track_head.*`` (the embedding head inside the
  ``QuasiDenseRoIHead`` called ``track_head``).

Ours: ``detector.*`` (mmdet 3's ``FasterRCNN``: same module names as mmdet
2's) and ``track_head.embed_head.*`` (``convs.N.conv``, ``convs.N.gn``,
``fcs.N``, ``fc_embed``, as theirs). RoI extractors have no weights.
Only names change; a model converted this way also needs their
preprocessing, e.g. the MOT17 models were trained with a caffe-style
ResNet (``style='caffe'``, BGR mean ``[103.53, 116.28, 123.675]``, std 1).
With ``--config`` the converted weights are loaded strictly into that
config's model, which lists any missing or unexpected key.
"""
import argparse
import io
import re
from collections import OrderedDict
from typing import Dict, Tuple

import torch

from qdtrack.utils.io import atomic_write_bytes

#: (pattern, replacement) applied in order; the first match wins.
RULES_2021 = (
    (r'^roi_head\.track_head\.', 'track_head.embed_head.'),
    (r'^(backbone|neck|rpn_head|roi_head\.bbox_head)\.', r'detector.\1.'),
)
RULES_2022 = (
    (r'^track_head\.track_head\.', 'track_head.embed_head.'),
    (r'^detector\.', 'detector.'),
)


def detect_layout(state_dict: Dict[str, torch.Tensor]) -> str:
    """``'2021'`` or ``'2022'`` (see the module docstring).

    Raises:
        ValueError: Keys of neither layout (e.g. already converted).
    """
    keys = list(state_dict)
    if any(k.startswith('track_head.embed_head.') for k in keys):
        raise ValueError('this checkpoint already has our layout '
                         '(track_head.embed_head.*): nothing to convert')
    if any(k.startswith('track_head.track_head.') for k in keys):
        return '2022'
    if any(k.startswith('roi_head.track_head.') for k in keys):
        return '2021'
    raise ValueError('not a SysCV/qdtrack checkpoint: no '
                     'roi_head.track_head.* or track_head.track_head.* key')


def convert_state_dict(state_dict: Dict[str, torch.Tensor]
                       ) -> Tuple['OrderedDict[str, torch.Tensor]', str]:
    """Rename the keys of a SysCV/qdtrack state dict to ours.

    Args:
        state_dict (dict[str, Tensor]): Their ``state_dict`` (a leading
            ``module.`` of a wrapped model is removed).

    Returns:
        tuple: The renamed state dict (same tensors, same order) and the
        detected layout.

    Raises:
        ValueError: Unknown layout, or keys no rule covers (all named).
    """
    state_dict = OrderedDict(
        (re.sub(r'^module\.', '', k), v) for k, v in state_dict.items())
    layout = detect_layout(state_dict)
    rules = RULES_2021 if layout == '2021' else RULES_2022
    out, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        for pattern, repl in rules:
            new, hits = re.subn(pattern, repl, key)
            if hits:
                out[new] = value
                break
        else:
            unknown.append(key)
    if unknown:
        shown = ', '.join(unknown[:8]) + (', ...' if len(unknown) > 8 else '')
        raise ValueError(f'{len(unknown)} key(s) of the {layout} layout '
                         f'have no counterpart here: {shown}')
    return out, layout


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert a SysCV/qdtrack (mmdet 2.x) checkpoint')
    parser.add_argument('src', help='their checkpoint (.pth)')
    parser.add_argument('dst', help='converted checkpoint to write')
    parser.add_argument('--config', help='load the result strictly into '
                        "this config's model (checks every key and shape)")
    parser.add_argument(
        '--trust', action='store_true',
        help='unpickle arbitrary objects in the checkpoint (their meta may '
        "hold mmcv objects that torch's safe loader refuses); only for "
        'files from a trusted source')
    return parser.parse_args(argv)


def main(argv=None) -> str:
    """Convert ``src`` into ``dst``; returns the detected layout."""
    args = parse_args(argv)
    try:
        ckpt = torch.load(args.src, map_location='cpu',
                          weights_only=not args.trust)
    except FileNotFoundError:
        raise FileNotFoundError(f'{args.src}: checkpoint not found') from None
    except Exception as err:  # unpickling refused by the safe loader
        if args.trust:
            raise
        raise ValueError(f'{args.src}: cannot be read with the safe loader '
                         f'({type(err).__name__}); rerun with --trust if '
                         'the file comes from a trusted source') from err
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'{args.src}: no state_dict in this checkpoint')
    converted, layout = convert_state_dict(state)
    meta = dict(ckpt.get('meta', None) or {}) if 'state_dict' in ckpt else {}
    meta = {k: v for k, v in meta.items() if isinstance(
        v, (str, int, float, bool, list, tuple, dict, type(None)))}
    meta['converted_from'] = dict(source='SysCV/qdtrack', layout=layout,
                                  file=args.src)
    if args.config:
        from qdtrack.apis import init_tracker
        model = init_tracker(args.config, random_weights=True)
        model.load_state_dict(converted, strict=True)
    buf = io.BytesIO()
    torch.save(dict(state_dict=converted, meta=meta), buf)
    atomic_write_bytes(args.dst, buf.getvalue())
    print(f'{args.src} ({layout} layout, {len(converted)} tensors) -> '
          f'{args.dst}' + (f'; loads strictly into {args.config}'
                           if args.config else ''))
    return layout


if __name__ == '__main__':
    main()
