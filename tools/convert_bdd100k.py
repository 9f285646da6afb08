"""Convert BDD100K box tracking labels to CocoVID JSON.

    python tools/convert_bdd100k.py data/bdd100k [--splits train val test]
                                    [--det-splits train] [--out-dir DIR]
                                    [--no-progress]

Expects the official layout::

    <root>/labels/box_track_20/<split>/<video>.json
    <root>/images/track/<split>/<video>/<video>-<frame:07d>.jpg

and writes ``<out-dir>/box_track_<split>_cocofmt.json`` (out-dir defaults
to ``<root>/annotations``) with ``file_name`` relative to
``<root>/images/track/``. A split without a label folder (``test``) is
built from its image folders, without annotations.

``--det-splits`` also converts the detection labels of the 100k images,
``<root>/labels/det_20/det_<split>.json``, into
``<out-dir>/det_<split>_cocofmt.json``: still images (one-frame videos) for
the joint training of the QDTrack paper, ``file_name`` relative to
``<root>/images/100k/``.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from qdtrack.datasets.bdd100k import (  # noqa: E402
    cocovid_from_bdd100k_images,
    convert_bdd100k_det_labels,
    convert_bdd100k_labels,
)
from qdtrack.utils.io import atomic_write_json  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert BDD100K box tracking labels to CocoVID JSON.')
    parser.add_argument('root', help='BDD100K root (holds labels/, images/)')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'],
                        help='splits to convert (default: train val)')
    parser.add_argument('--det-splits', nargs='*', default=[],
                        help='detection-label splits to convert as still '
                        'images (e.g. train); default: none')
    parser.add_argument('--out-dir', default=None,
                        help='output folder (default: <root>/annotations)')
    parser.add_argument('--no-progress', action='store_true',
                        help='hide progress bars')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    out_dir = args.out_dir or osp.join(args.root, 'annotations')
    for split in args.splits:
        out_file = osp.join(out_dir, f'box_track_{split}_cocofmt.json')
        label_dir = osp.join(args.root, 'labels', 'box_track_20', split)
        if osp.isdir(label_dir):
            stats = convert_bdd100k_labels(label_dir, out_file, split,
                                           progress=not args.no_progress)
        else:
            img_dir = osp.join(args.root, 'images', 'track', split)
            if not osp.isdir(img_dir):
                print(f'error: split {split!r} has neither {label_dir} nor '
                      f'{img_dir}', file=sys.stderr)
                return 1
            coco = cocovid_from_bdd100k_images(img_dir, split)
            atomic_write_json(out_file, coco, indent=None)
            stats = dict(videos=len(coco['videos']),
                         images=len(coco['images']), annotations=0)
        summary = ', '.join(f'{v} {k}' for k, v in stats.items())
        print(f'{split}: {summary} -> {out_file}')
    for split in args.det_splits:
        label_file = osp.join(args.root, 'labels', 'det_20',
                              f'det_{split}.json')
        out_file = osp.join(out_dir, f'det_{split}_cocofmt.json')
        try:
            stats = convert_bdd100k_det_labels(label_file, out_file, split)
        except (OSError, ValueError) as err:
            print(f'error: {err}', file=sys.stderr)
            return 1
        summary = ', '.join(f'{v} {k}' for k, v in stats.items())
        print(f'det {split}: {summary} -> {out_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
