"""Generate the toy tracking benchmark (MOT17 layout + CocoVID JSON).

Example::

    python tools/generate_toy.py data/toy
    python tools/generate_toy.py data/toy_big --scale 2 --seed 1
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
import time

# run from a checkout without installing the package
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the synthetic toy tracking benchmark: '
        '<root>/{train,val}/TOY-XX in the MOT17 layout and '
        '<root>/annotations/{train,val}_cocoformat.json.')
    parser.add_argument('root', help='output folder, e.g. data/toy')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--num-train', type=int, default=12,
                        help='number of train sequences')
    parser.add_argument('--num-val', type=int, default=6,
                        help='number of val sequences')
    parser.add_argument('--num-frames', type=int, default=80,
                        help='frames per sequence')
    parser.add_argument('--width', type=int, default=320,
                        help='image width in pixels')
    parser.add_argument('--height', type=int, default=240,
                        help='image height in pixels')
    parser.add_argument('--scale', type=float, default=1.0,
                        help='size knob: multiplies the numbers of '
                        'sequences and frames and the image size')
    parser.add_argument(
        '--no-ignore-regions', action='store_true',
        help='do not write static persons, reflections and consider-0 '
        'pedestrians as ignore regions in the CocoVID files')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace existing files of the benchmark in '
                        'root (by default they are refused)')
    parser.add_argument('--no-progress', action='store_true',
                        help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from qdtrack.datasets.toy import generate_toy_benchmark
    start = time.perf_counter()
    summary = generate_toy_benchmark(
        args.root, seed=args.seed, num_train=args.num_train,
        num_val=args.num_val, num_frames=args.num_frames, width=args.width,
        height=args.height, scale=args.scale,
        progress=not args.no_progress,
        ignore_regions=not args.no_ignore_regions, overwrite=args.overwrite)
    print(json.dumps(summary, indent=2, sort_keys=True))
    print(f'generated {summary["frames"]} frames in '
          f'{time.perf_counter() - start:.1f} s', file=sys.stderr)
    return summary


if __name__ == '__main__':
    main()
