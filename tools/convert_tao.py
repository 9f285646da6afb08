"""Convert TAO annotations to CocoVID, or CocoVID to TAO's JSON.

Examples::

    # TAO -> CocoVID (what CocoVideoDataset reads)
    python tools/convert_tao.py tao2coco data/tao/annotations/validation.json \
        data/tao/annotations/tao_val_cocoformat.json

    # CocoVID -> TAO (e.g. the toy benchmark, for TETA / Track mAP tests)
    python tools/convert_tao.py coco2tao \
        data/toy/annotations/val_cocoformat.json \
        data/toy/annotations/val_tao.json

    # the 482-class vocabulary of the public QDTrack TAO recipe: categories
    # annotated in train.json / validation.json or listed in
    # test_categories.json, one name a line (read by the TAO R101 config)
    python tools/convert_tao.py classes data/tao/annotations \
        data/tao/annotations/tao_classes.txt
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
        'direction', choices=('tao2coco', 'coco2tao', 'classes'),
        help='tao2coco: TAO JSON -> CocoVID; coco2tao: CocoVID -> TAO JSON '
        '(LVIS-style synsets / frequencies and, when the videos carry none, '
        'automatic negative / not-exhaustive category lists); classes: '
        'the TAO vocabulary (names annotated in SRC/train.json and '
        'SRC/validation.json or listed in SRC/test_categories.json) as a '
        'text file, one name a line')
    parser.add_argument('src', help='input JSON file (classes: the folder '
                        'of TAO\'s annotation files)')
    parser.add_argument('dst', help='output file')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from qdtrack.utils.io import atomic_write_json, atomic_write_text
    if args.direction == 'classes':
        from qdtrack.datasets.tao import tao_track_vocabulary
        files = [osp.join(args.src, f'{name}.json')
                 for name in ('train', 'validation')]
        tests = [osp.join(args.src, 'test_categories.json')]
        tests = [p for p in tests if osp.isfile(p)]
        if not tests:
            print(f'warning: no {osp.join(args.src, "test_categories.json")}'
                  ': the vocabulary misses the test-only categories',
                  file=sys.stderr)
        names = tao_track_vocabulary(files, tests)
        atomic_write_text(args.dst, ''.join(n + '\n' for n in names))
        print(f'{args.dst}: {len(names)} classes')
        return names
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
