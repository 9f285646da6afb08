"""Convert MOT17 to CocoVID JSON, with the half train/val split.

    python tools/convert_mot17.py data/MOT17 [--out-dir DIR]
        [--split-train half|full] [--detector FRCNN|DPM|SDP|all]
        [--test-detector FRCNN|DPM|SDP|all] [--no-ignore-regions]
        [--no-progress]

Expects the official layout ``<root>/train/MOT17-XX-{DPM,FRCNN,SDP}/``
(``seqinfo.ini``, ``img1/``, ``gt/gt.txt``, ``det/det.txt``) and optionally
``<root>/test/``. Writes ``<out-dir>/{train,half-train,half-val,test}_
cocoformat.json`` (out-dir defaults to ``<root>/annotations``) and, with the
half split, ``gt/gt_half-train.txt`` and ``gt/gt_half-val.txt`` next to
each converted ``gt/gt.txt``. Half split: the first ``n // 2 + 1`` frames
of a sequence of ``n`` frames train, the rest validate; frame numbers stay
those of the original sequence (see ``qdtrack/datasets/mot17.py``).
Distractor rows (classes 2, 7, 8, 12) and consider-0 pedestrians become
ignore regions unless ``--no-ignore-regions`` is given.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from qdtrack.datasets.mot17 import (  # noqa: E402
    MOT17_DETECTORS,
    convert_mot17,
)

DETECTOR_CHOICES = (*MOT17_DETECTORS, 'all')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert MOT17 to CocoVID JSON (half split optional).')
    parser.add_argument('root', help='MOT17 root (holds train/ and test/)')
    parser.add_argument('--out-dir', default=None,
                        help='output folder (default: <root>/annotations)')
    parser.add_argument(
        '--split-train', choices=('half', 'full'), default='half',
        help='half: also write half-train/half-val and the gt_half-*.txt '
        'files (default); full: the whole train split only')
    parser.add_argument(
        '--detector', choices=DETECTOR_CHOICES, default='FRCNN',
        help='detector copy of each training sequence to use; all = the '
        'three copies as separate videos (default: FRCNN)')
    parser.add_argument(
        '--test-detector', choices=DETECTOR_CHOICES, default='all',
        help='detector copies of the test sequences (default: all, as a '
        'submission needs them)')
    parser.add_argument(
        '--no-ignore-regions', action='store_true',
        help='drop distractor rows (classes 2, 7, 8, 12) and consider-0 '
        'pedestrians instead of writing them as ignore regions')
    parser.add_argument('--no-progress', action='store_true',
                        help='hide progress bars')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        summary = convert_mot17(
            args.root,
            out_dir=args.out_dir,
            split_train=args.split_train,
            detector=args.detector,
            test_detector=args.test_detector,
            ignore_distractors=not args.no_ignore_regions,
            progress=not args.no_progress)
    except (OSError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    for split, stats in summary['splits'].items():
        text = ', '.join(f'{v} {k}' for k, v in stats.items())
        print(f'{split}: {text} -> {summary["files"][split]}')
    if summary['gt_files']:
        print(f'wrote {len(summary["gt_files"])} half-split gt files '
              '(gt/gt_half-train.txt, gt/gt_half-val.txt)')
    if 'test' not in summary['files']:
        print(f'no {osp.join(args.root, "test")} folder: test split skipped')
    return 0


if __name__ == '__main__':
    sys.exit(main())
