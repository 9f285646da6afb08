"""Convert TAO annotations to CocoVID, or CocoVID to TAO's JSON.

Examples::

    # TAO -> CocoVID (what CocoVideoDataset reads)
    python tools/convert_tao.py tao2coco data/tao/annotations/validation.json \
        data/tao/annotations/tao_val_cocoformat.json

    # CocoVID -> TAO (e.g. the toy benchmark, for TETA / Track mAP tests)
    python tools/convert_tao.py coco2tao \
        data/toy/annotations/val_cocoformat.json \
        data/toy/annotations/val_tao.json
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

# run from a checkout without installing the package
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert between TAO\'s annotation JSON and CocoVID '
        '(docs/data_formats.md). Output files are written atomically.')
    parser.add_argument(
        'direction', choices=('tao2coco', 'coco2tao'),
        help='tao2coco: TAO JSON -> CocoVID; coco2tao: CocoVID -> TAO JSON '
        '(LVIS-style synsets / frequencies and, when the videos carry none, '
        'automatic negative / not-exhaustive category lists)')
    parser.add_argument('src', help='input JSON file')
    parser.add_argument('dst', help='output JSON file')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from qdtrack.utils.io import atomic_write_json
    if args.direction == 'tao2coco':
        from qdtrack.datasets.tao import load_tao
        out = load_tao(args.src)
        atomic_write_json(args.dst, out, indent=None)
    else:
        from qdtrack.datasets.toy.export_tao import export_cocovid_as_tao
        out = export_cocovid_as_tao(args.src, args.dst)
    print(f'{args.dst}: {len(out["videos"])} videos, {len(out["images"])} '
          f'images, {len(out["annotations"])} annotations, '
          f'{len(out["categories"])} categories')
    return out


if __name__ == '__main__':
    main()
