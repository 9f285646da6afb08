"""Cost per frame of UniTrack's similarities (RSM, global, centre feature).

    python tools/benchmarks/bench_point_similarity.py [--tracks 50]
        [--dets 50] [--channels 32 256] [--grid 4 10] [--repeats 30]
        [--threads 1] [--with-loop]

Times :func:`~qdtrack.models.trackers.point_similarity.point_similarity`
for each metric on random point features of ``--tracks`` tracks and
``--dets`` detections (RoIAlign grid ``--grid``), for each channel count
(32: MobileNetV2 stride 8; 256: ResNet-18 layer3, the paper's setting),
and prints the median milliseconds per call. ``--with-loop`` also times a
per-pair loop that rebuilds every pair explicitly, as a reference for the
batched RSM.
"""
import argparse
import os.path as osp
import statistics
import sys
import time

import torch
import torch.nn.functional as F

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from qdtrack.models.trackers.point_similarity import (  # noqa: E402
    POINT_METRICS,
    point_similarity,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tracks', type=int, default=50)
    parser.add_argument('--dets', type=int, default=50)
    parser.add_argument('--channels', type=int, nargs='+', default=[32, 256])
    parser.add_argument('--grid', type=int, nargs=2, default=[4, 10])
    parser.add_argument('--repeats', type=int, default=30)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--with-loop', action='store_true',
                        help='also time a per-pair reconstruction loop')
    return parser.parse_args()


def per_pair_rsm(dets, tracks, temperature=0.01):
    """RSM cost with one explicit reconstruction per pair."""
    fd = F.normalize(dets.flatten(2), dim=1).transpose(1, 2)
    ft = F.normalize(tracks.flatten(2), dim=1).transpose(1, 2)
    num_p, chans = fd.shape[1:]
    aff = ft.reshape(-1, chans) @ fd.reshape(-1, chans).t()
    row = (aff / temperature).softmax(dim=1)
    col = (aff / temperature).softmax(dim=0)
    cost = aff.new_empty(len(tracks), len(dets))
    for t in range(len(tracks)):
        for d in range(len(dets)):
            rt = slice(t * num_p, (t + 1) * num_p)
            rd = slice(d * num_p, (d + 1) * num_p)
            cos_td = F.normalize((row[rt, rd] @ fd[d]).flatten(),
                                 dim=0) @ F.normalize(ft[t].flatten(), dim=0)
            cos_dt = F.normalize((col[rt, rd].t() @ ft[t]).flatten(),
                                 dim=0) @ F.normalize(fd[d].flatten(), dim=0)
            cost[t, d] = 1 - (cos_td + cos_dt) / 2
    return cost


def median_ms(fn, repeats):
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    print(f'{args.tracks} tracks x {args.dets} detections, grid '
          f'{args.grid[0]}x{args.grid[1]}, {args.threads} thread(s), '
          f'median of {args.repeats}, torch {torch.__version__}')
    print(f'{"channels":>8} {"metric":>8} {"ms/frame":>9}')
    for chans in args.channels:
        dets = torch.randn(args.dets, chans, *args.grid, generator=gen)
        tracks = torch.randn(args.tracks, chans, *args.grid, generator=gen)
        with torch.no_grad():
            for metric in POINT_METRICS:
                ms = median_ms(
                    lambda d=dets, t=tracks, m=metric: point_similarity(
                        d, t, m),
                    args.repeats)
                print(f'{chans:>8} {metric:>8} {ms:>9.2f}')
            if args.with_loop:
                ms = median_ms(lambda d=dets, t=tracks: per_pair_rsm(d, t),
                               max(1, args.repeats // 10))
                print(f'{chans:>8} {"rsm-loop":>8} {ms:>9.2f}')


if __name__ == '__main__':
    main()
