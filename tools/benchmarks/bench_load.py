"""Load figures: evaluation time at full size, test.py memory vs frames.

    python tools/benchmarks/bench_load.py mot17 [--videos 10]
        [--frames 1000] [--boxes 10]
    python tools/benchmarks/bench_load.py bdd100k [--videos 200]
        [--frames 200] [--boxes 10] [--no-hota]
    python tools/benchmarks/bench_load.py memory [--frames 250 500 1000 2000]

``mot17``: synthetic MOT17 ground truth and results (``--videos`` x
``--frames`` frames, about ``--boxes`` pedestrians per frame; results are
the ground truth jittered, with 10 % missed boxes, 1 false positive per
frame and identity switches) written in the MOT17 layout, then scored by
:func:`qdtrack.evaluation.functional.mot_challenge.evaluate_mot_challenge`
(the path of ``MOTChallengeMetric``: file checks and TrackEval's HOTA,
CLEAR, Identity). Prints seconds for reading + checking the files and for
the whole evaluation.

``bdd100k``: a synthetic BDD100K box-tracking val set (one scalabel JSON
per video, the 8 classes, crowd regions) and predictions made the same
way, then timed stage by stage as ``BDD100KMetric`` runs them: reading
both folders, the CLEAR/IDF1 pass (:func:`evaluate_bdd100k_mot`, split
into its per-frame loop and the per-video identity assignment) and HOTA
(:func:`compute_bdd100k_hota`, TrackEval).

``memory``: the toy generator writes one val video of each length in
``--frames``; ``tools/test.py`` runs SORT (``configs/sort/
sort_public-det_toy.py``) on each in a fresh process and the peak resident
memory of that process (``os.wait4``'s ``ru_maxrss``) is printed with the
wall time.

Synthetic data go to ``--work-dir`` (a temporary folder by default,
removed at the end). Nothing is asserted: these are figures to report.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from qdtrack.datasets.bdd100k import BDD100K_CLASSES  # noqa: E402
from qdtrack.datasets.toy.writer import (  # noqa: E402
    format_gt_rows,
    format_seqinfo,
)
from qdtrack.evaluation.writers.bdd100k import (  # noqa: E402
    bdd100k_frame,
    write_bdd100k_results,
)
from qdtrack.evaluation.writers.mot import write_mot_results  # noqa: E402
from qdtrack.utils.io import atomic_write_text  # noqa: E402

# share of each BDD100K class among the synthetic tracks (car-heavy, as
# in the real val set)
BDD_CLASS_SHARE = (0.2, 0.03, 0.6, 0.06, 0.03, 0.01, 0.03, 0.04)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='what', required=True)
    mot = sub.add_parser('mot17', help='MOT17 evaluation time')
    mot.add_argument('--videos', type=int, default=10)
    mot.add_argument('--frames', type=int, default=1000)
    mot.add_argument('--boxes', type=int, default=10,
                     help='mean ground-truth boxes per frame')
    bdd = sub.add_parser('bdd100k', help='BDD100K evaluation time')
    bdd.add_argument('--videos', type=int, default=200)
    bdd.add_argument('--frames', type=int, default=200)
    bdd.add_argument('--boxes', type=int, default=10)
    bdd.add_argument('--no-hota', action='store_true',
                     help='skip the TrackEval HOTA stage')
    bdd.add_argument('--save-metrics',
                     help='write the metrics to this JSON file (to compare '
                     'two versions of the evaluator exactly)')
    mem = sub.add_parser('memory', help='tools/test.py peak memory')
    mem.add_argument('--frames', type=int, nargs='+',
                     default=[250, 500, 1000, 2000])
    for p in (mot, bdd, mem):
        p.add_argument('--work-dir', help='keep the synthetic data here')
        p.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


# ------------------------------------------------------------ synthetic data
def synthetic_tracks(rng, num_frames, per_frame, width, height,
                     num_classes=1, class_share=None):
    """Linear tracks with random lifetimes, ~``per_frame`` boxes per frame.

    Returns:
        np.ndarray: (N, 7) rows ``frame (0-based), track id (1-based),
        x1, y1, w, h, class index``, sorted by frame then id.
    """
    mean_len = min(100, num_frames)
    num_tracks = max(1, round(per_frame * num_frames / mean_len))
    rows = []
    for tid in range(1, num_tracks + 1):
        length = int(rng.integers(max(1, mean_len // 2),
                                  mean_len * 3 // 2 + 1))
        length = min(length, num_frames)
        start = int(rng.integers(0, num_frames - length + 1))
        t = np.arange(length)
        w, h = rng.uniform(20, 150), rng.uniform(40, 300)
        x0, y0 = rng.uniform(0, width - w), rng.uniform(0, height - h)
        vx, vy = rng.normal(0, 2, size=2)
        x = np.clip(x0 + vx * t, 0, width - w)
        y = np.clip(y0 + vy * t, 0, height - h)
        cls = rng.choice(num_classes, p=class_share)
        rows.append(np.stack([start + t, np.full(length, tid), x, y,
                              np.full(length, w), np.full(length, h),
                              np.full(length, cls)], axis=1))
    rows = np.concatenate(rows)
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def synthetic_predictions(rng, gt, num_frames, width, height,
                          num_classes=1):
    """Tracker-like output: jitter, 10 % misses, 1 false positive per
    frame, and after a switch frame drawn per track (30 % of tracks) the
    track continues under a new id. Same columns as the ground truth."""
    keep = rng.random(len(gt)) > 0.1
    pred = gt[keep].copy()
    pred[:, 2:6] += rng.normal(0, 2, size=(len(pred), 4))
    pred[:, 4:6] = np.maximum(pred[:, 4:6], 5)
    next_id = int(gt[:, 1].max()) + 1
    for tid in np.unique(pred[:, 1]):
        if rng.random() < 0.3:
            rows = np.nonzero(pred[:, 1] == tid)[0]
            cut = rows[len(rows) // 2:]
            pred[cut, 1] = next_id
            next_id += 1
    fp = np.stack([
        np.arange(num_frames), np.arange(next_id, next_id + num_frames),
        rng.uniform(0, width - 100, num_frames),
        rng.uniform(0, height - 100, num_frames),
        rng.uniform(20, 100, num_frames), rng.uniform(20, 100, num_frames),
        rng.integers(0, num_classes, num_frames)
    ], axis=1)
    pred = np.concatenate([pred, fp])
    return pred[np.lexsort((pred[:, 1], pred[:, 0]))]


def write_mot17(root, videos, frames, boxes, seed):
    """MOT17 layout: ``gt/<seq>/{gt/gt.txt, seqinfo.ini}``, ``res/<seq>.txt``.

    Returns:
        tuple[int, int]: Ground-truth and predicted boxes written.
    """
    rng = np.random.default_rng(seed)
    num_gt = num_pred = 0
    for v in range(videos):
        seq = f'SYN-{v + 1:02d}'
        gt = synthetic_tracks(rng, frames, boxes, 1920, 1080)
        gt[:, 2:6] = np.round(gt[:, 2:6])
        pred = synthetic_predictions(rng, gt, frames, 1920, 1080)
        seq_dir = osp.join(root, 'gt', seq)
        atomic_write_text(osp.join(seq_dir, 'gt', 'gt.txt'), format_gt_rows(
            [(int(r[0]) + 1, int(r[1]), int(r[2]), int(r[3]), int(r[4]),
              int(r[5]), 1, 1, 1.0) for r in gt]))
        atomic_write_text(osp.join(seq_dir, 'seqinfo.ini'),
                          format_seqinfo(seq, frames, 1920, 1080, 30))
        res = np.concatenate([pred[:, :6], np.ones((len(pred), 1))], axis=1)
        res[:, 0] += 1
        write_mot_results(osp.join(root, 'res', f'{seq}.txt'), res,
                          decimals=2)
        num_gt += len(gt)
        num_pred += len(pred)
    return num_gt, num_pred


def _scalabel_frames(video, rows, frames, id_offset, crowd=None):
    out = []
    starts = np.searchsorted(rows[:, 0], np.arange(frames + 1))
    for f in range(frames):
        labels = []
        for r in rows[starts[f]:starts[f + 1]]:
            labels.append(dict(
                id=str(int(r[1]) + id_offset),
                category=BDD100K_CLASSES[int(r[6])],
                attributes=dict(crowd=False),
                box2d=dict(x1=float(r[2]), y1=float(r[3]),
                           x2=float(r[2] + r[4] - 1),
                           y2=float(r[3] + r[5] - 1))))
        if crowd is not None and f % 10 < 5:  # a crowd region half the time
            labels.append(dict(
                id=str(10**7 + f), category='pedestrian',
                attributes=dict(crowd=True),
                box2d=dict(zip(('x1', 'y1', 'x2', 'y2'), crowd))))
        out.append(bdd100k_frame(f'{video}-{f + 1:07d}.jpg', video, f,
                                 labels))
    return out


def write_bdd100k(root, videos, frames, boxes, seed):
    """One scalabel JSON per video in ``gt/`` and ``res/``.

    Returns:
        tuple[int, int]: Ground-truth and predicted boxes written.
    """
    rng = np.random.default_rng(seed)
    share = np.array(BDD_CLASS_SHARE) / sum(BDD_CLASS_SHARE)
    os.makedirs(osp.join(root, 'gt'), exist_ok=True)
    num_gt = num_pred = 0
    preds = []
    for v in range(videos):
        video = f'syn{v:05d}-{seed:08d}'
        gt = synthetic_tracks(rng, frames, boxes, 1280, 720, 8, share)
        pred = synthetic_predictions(rng, gt, frames, 1280, 720, 8)
        crowd = [float(c) for c in (rng.uniform(0, 1000),
                                    rng.uniform(0, 500))]
        crowd += [crowd[0] + 200, crowd[1] + 150]
        with open(osp.join(root, 'gt', f'{video}.json'), 'w') as f:
            json.dump(_scalabel_frames(video, gt, frames, 0, crowd), f)
        preds += _scalabel_frames(video, pred, frames, 0)
        num_gt += len(gt)
        num_pred += len(pred)
    write_bdd100k_results(preds, osp.join(root, 'res'), progress=False)
    return num_gt, num_pred


# ------------------------------------------------------------------- timing
def bench_mot17(args, work):
    from qdtrack.datasets.mot_files import read_mot_gt, read_mot_results
    from qdtrack.evaluation.functional.mot_challenge import (
        evaluate_mot_challenge,
    )
    t = time.perf_counter()
    num_gt, num_pred = write_mot17(work, args.videos, args.frames,
                                   args.boxes, args.seed)
    print(f'wrote {args.videos} sequences x {args.frames} frames: '
          f'{num_gt} ground-truth and {num_pred} predicted boxes '
          f'({time.perf_counter() - t:.1f} s)')
    seqs = sorted(os.listdir(osp.join(work, 'gt')))
    t = time.perf_counter()
    for seq in seqs:
        read_mot_gt(osp.join(work, 'gt', seq, 'gt', 'gt.txt'))
        read_mot_results(osp.join(work, 'res', f'{seq}.txt'))
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    table = evaluate_mot_challenge(osp.join(work, 'gt'),
                                   osp.join(work, 'res'), progress=False)
    total_s = time.perf_counter() - t
    c = table['COMBINED']
    print(f'reading + checking the files: {read_s:.2f} s')
    print(f'evaluate_mot_challenge (HOTA, CLEAR, Identity): {total_s:.2f} s')
    print(f'HOTA {c["HOTA"]:.2f}  MOTA {c["MOTA"]:.2f}  IDF1 {c["IDF1"]:.2f}'
          f'  IDSW {c["IDSW"]:.0f}  GT_Dets {c["GT_Dets"]:.0f}  Dets '
          f'{c["Dets"]:.0f}')


def bench_bdd100k(args, work):
    import qdtrack.evaluation.functional.bdd100k_mot as bdd
    from qdtrack.datasets.bdd100k import load_scalabel_frames
    if osp.isdir(osp.join(work, 'res')):  # --work-dir of an earlier run
        print(f'reusing the synthetic data in {work}')
    else:
        t = time.perf_counter()
        num_gt, num_pred = write_bdd100k(work, args.videos, args.frames,
                                         args.boxes, args.seed)
        print(f'wrote {args.videos} videos x {args.frames} frames: {num_gt} '
              f'ground-truth and {num_pred} predicted boxes '
              f'({time.perf_counter() - t:.1f} s)', flush=True)
    times = {}

    def done(name, start):
        times[name] = time.perf_counter() - start
        print(f'{name}: {times[name]:.1f} s', flush=True)

    t = time.perf_counter()
    gts = load_scalabel_frames(osp.join(work, 'gt'), progress=False)
    preds = load_scalabel_frames(osp.join(work, 'res'), progress=False)
    done('reading both folders', t)
    # the CLEAR/IDF1 pass, with its per-video identity assignment timed
    # apart from the per-frame loop
    summary = bdd.ClearMotAccumulator.summary
    spent = [0.0]

    def timed_summary(self):
        start = time.perf_counter()
        out = summary(self)
        spent[0] += time.perf_counter() - start
        return out

    bdd.ClearMotAccumulator.summary = timed_summary
    try:
        t = time.perf_counter()
        result = bdd.evaluate_bdd100k_mot(gts, preds, progress=False)
        clear_s = time.perf_counter() - t
    finally:
        bdd.ClearMotAccumulator.summary = summary
    times['CLEAR/IDF1: per-frame loop (and grouping)'] = clear_s - spent[0]
    times['CLEAR/IDF1: per-video summaries (IDF1 assignment, MT/ML)'] = (
        spent[0])
    for name in list(times)[1:]:
        print(f'{name}: {times[name]:.1f} s', flush=True)
    hota = None
    if not args.no_hota:
        t = time.perf_counter()
        hota = bdd.compute_bdd100k_hota(gts, preds, progress=False)
        done('HOTA (TrackEval)', t)
    print(f'total: {sum(times.values()):.1f} s')
    if args.save_metrics:
        with open(args.save_metrics, 'w') as f:
            json.dump(dict(mot=result, hota=hota), f)
    print(f'mMOTA {result["mMOTA"]:.2f}  mIDF1 {result["mIDF1"]:.2f}' + (
        f'  mHOTA {hota["HOTA"]["AVERAGE"]:.2f}' if hota else ''))


def bench_memory(args, work):
    from qdtrack.datasets.toy import generate_toy_benchmark
    config = osp.join(ROOT, 'configs', 'sort', 'sort_public-det_toy.py')
    print('| frames | peak RSS (MiB) | wall (s) |')
    print('| ---: | ---: | ---: |')
    for frames in args.frames:
        data = osp.join(work, f'toy_{frames}')
        if not osp.isdir(osp.join(data, 'annotations')):
            generate_toy_benchmark(data, seed=args.seed, num_train=0,
                                   num_val=1, num_frames=frames,
                                   progress=False)
        cmd = [
            sys.executable, osp.join(ROOT, 'tools', 'test.py'), config,
            '--work-dir', osp.join(work, f'work_{frames}'), '--cfg-options',
            f'test_dataloader.dataset.data_root={data}/',
            f'test_evaluator.gt_root={data}/val',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False'
        ]
        env = dict(os.environ, PYTHONPATH=ROOT)
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise RuntimeError(f'{" ".join(cmd)} exited {proc.returncode}')
        print(f'| {frames} | {usage.ru_maxrss / 1024:.0f} | {wall:.0f} |',
              flush=True)


def main(argv=None):
    args = parse_args(argv)
    if args.work_dir:
        work = args.work_dir
        os.makedirs(work, exist_ok=True)
    else:
        work = tempfile.mkdtemp(prefix='qdtrack_bench_load_')
    try:
        dict(mot17=bench_mot17, bdd100k=bench_bdd100k,
             memory=bench_memory)[args.what](args, work)
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
