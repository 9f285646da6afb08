"""The embedded default job: toy benchmark, SORT and QDTrack on one table.

    python tools/toy_benchmark.py [--data-root data/toy] [--seed 0]
        [--test-root data/toy_test] [--test-seed 1] [--work-dir DIR]
        [--checkpoint CKPT] [--skip-qdtrack] [--sort-det-score-thr 0.5]

1. generates the toy benchmark (train and validation videos, ``--seed``)
   and a held-out TEST split (``--test-seed``, 6 videos under
   ``<test-root>/val``), each skipped when it is already there. The
   validation videos were used to tune the toy config; the table is
   measured on the test split only;
2. runs SORT on the test videos' public detections (``det.txt``);
3. trains QDTrack on the training videos (or takes ``--checkpoint``);
4. on the test videos, with the same checkpoint: QDTrack end to end (its
   own detector; the detections are dumped as ``det.txt`` files), QDTrack's
   tracker on ``det.txt`` (given-observation mode), SORT on QDTrack's
   detections, and QDTrack's tracker on its own dumped detections (a check:
   it should match the end-to-end row). Rows on the same boxes separate
   detection gains from association gains;
5. prints the metrics side by side and writes them to
   ``<work-dir>/summary.json``.

Each step runs tools/generate_toy.py, tools/train.py or tools/test.py in a
subprocess, exactly as a user would.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from qdtrack.utils.io import atomic_write_json  # noqa: E402

SORT_CONFIG = 'configs/sort/sort_public-det_toy.py'
QDTRACK_CONFIG = 'configs/qdtrack/qdtrack_faster-rcnn_toy.py'
GIVEN_CONFIG = 'configs/qdtrack/qdtrack_given-det_toy.py'
COLUMNS = ('HOTA', 'DetA', 'AssA', 'MOTA', 'IDF1', 'IDSW', 'FP', 'FN')
#: Row names of the table, in order.
ROWS = ('SORT / det.txt', 'QDTrack tracker / det.txt', 'QDTrack end to end',
        'SORT / QDTrack dets', 'QDTrack tracker / QDTrack dets')


def run(cmd, log):
    """Run a tool, stream its output, fail loudly with the command."""
    print(f'$ {" ".join(cmd)}', flush=True)
    start = time.time()
    proc = subprocess.run(cmd, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f'step failed (exit {proc.returncode}): {" ".join(cmd)}')
    log.append(dict(cmd=' '.join(cmd), seconds=round(time.time() - start,
                                                     1)))


def read_metrics(work_dir):
    with open(osp.join(work_dir, 'test_metrics.json')) as f:
        raw = json.load(f)
    return {
        k.split('/')[-1]: v
        for k, v in raw.items() if k.startswith('motchallenge/')
    }


def format_table(rows, columns=COLUMNS):
    width = max([10] + [len(name) + 2 for name in rows])
    head = f'{"method":<{width}}' + ''.join(f'{c:>8}' for c in columns)
    lines = [head, '-' * len(head)]
    for name, metrics in rows.items():
        cells = []
        for c in columns:
            v = metrics.get(c, float('nan'))
            cells.append(f'{v:8.0f}' if c in ('IDSW', 'FP', 'FN', 'seconds')
                         else
                         f'{v:8.1f}')
        lines.append(f'{name:<{width}}' + ''.join(cells))
    return '\n'.join(lines)


def generate(py, root, seed, steps, num_train=None):
    """Generate a toy benchmark under ``root`` unless it is there."""
    if osp.exists(osp.join(ROOT, root, 'annotations',
                           'val_cocoformat.json')):
        return
    cmd = [py, 'tools/generate_toy.py', root, '--seed', str(seed)]
    if num_train is not None:
        cmd += ['--num-train', str(num_train)]
    run(cmd, steps)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/toy',
                        help='train and validation videos')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the train and validation videos')
    parser.add_argument('--test-root', default='data/toy_test',
                        help='held-out test videos (in <test-root>/val)')
    parser.add_argument('--test-seed', type=int, default=1,
                        help='seed of the test videos; must differ from '
                        '--seed')
    parser.add_argument('--work-dir', default='work_dirs/toy_benchmark')
    parser.add_argument('--checkpoint',
                        help='a trained toy QDTrack checkpoint: skip '
                        'training')
    parser.add_argument('--skip-qdtrack', action='store_true',
                        help='SORT on det.txt only')
    parser.add_argument(
        '--sort-det-score-thr', type=float, default=0.5,
        help='SORT ignores QDTrack detections scoring below (default: '
        "0.5, the QDTrack tracker's obj_score_thr)")
    args = parser.parse_args(argv)
    if args.test_seed == args.seed:
        # the test split holds no training video, so with the same seed
        # its videos would be the training videos TOY-01..06
        parser.error('--test-seed must differ from --seed: the test '
                     'videos would repeat the training videos')
    args.work_dir = osp.join(ROOT, args.work_dir)  # kept if absolute
    py = sys.executable
    steps = []
    generate(py, args.data_root, args.seed, steps)
    generate(py, args.test_root, args.test_seed, steps, num_train=0)
    test_data = _data_overrides(args.test_root)
    results = {}

    def test(name, config, ckpt=None, extra=(), options=()):
        out = osp.join(args.work_dir, name.replace(' / ', '_').replace(
            ' ', '-'))
        cmd = [py, 'tools/test.py', config] + ([ckpt] if ckpt else [])
        cmd += ['--work-dir', out, '--out', osp.join(out, 'results'),
                *extra, '--cfg-options', *test_data, *options]
        run(cmd, steps)
        results[name] = read_metrics(out)
        return out

    test(ROWS[0], SORT_CONFIG)
    if not args.skip_qdtrack:
        ckpt = args.checkpoint
        if ckpt is None:
            train_dir = osp.join(args.work_dir, 'qdtrack_train')
            run([py, 'tools/train.py', QDTRACK_CONFIG, '--work-dir',
                 train_dir, '--cfg-options',
                 *_data_overrides(args.data_root, train=True)], steps)
            with open(osp.join(train_dir, 'last_checkpoint')) as f:
                ckpt = f.read().strip()
        test(ROWS[1], GIVEN_CONFIG, ckpt)
        dets = osp.join(args.work_dir, 'qdtrack_dets')
        test(ROWS[2], QDTRACK_CONFIG, ckpt, extra=['--out-dets', dets])
        # relative to the test data root: mmengine's --cfg-options parser
        # deletes every space of a value, so no absolute path goes there
        qd_dets = 'test_dataloader.dataset.public_det_file=' + osp.join(
            osp.relpath(dets, osp.join(ROOT, args.test_root)), '{video}',
            'det', 'det.txt')
        if any(c.isspace() for c in qd_dets):
            parser.error(f'--work-dir {args.work_dir}: the path from the test '
                         'data to it has a space, which --cfg-options cannot '
                         'pass; use a work dir inside the checkout')
        test(ROWS[3], SORT_CONFIG, options=[
            qd_dets, f'model.tracker.score_thr={args.sort_det_score_thr}'])
        test(ROWS[4], GIVEN_CONFIG, ckpt, options=[qd_dets])

    print(f'\nToy benchmark, held-out test videos ({args.test_root}, seed '
          f'{args.test_seed}; MOT17 metrics):')
    print(format_table(results))
    summary = dict(results=results, steps=steps,
                   test_root=args.test_root, test_seed=args.test_seed,
                   checkpoint=None if args.skip_qdtrack else ckpt)
    path = osp.join(args.work_dir, 'summary.json')
    atomic_write_json(path, summary)
    print(f'\nsummary written to {path}')
    return summary


def _data_overrides(data_root, train=False):
    """--cfg-options pointing a config's datasets at ``data_root``."""
    root = data_root.rstrip('/') + '/'
    stages = ('train', 'val') if train else ('test', )
    overrides = []
    for stage in stages:
        overrides.append(f'{stage}_dataloader.dataset.data_root={root}')
        if stage != 'train':
            overrides.append(f'{stage}_evaluator.gt_root={root}val')
    return overrides


if __name__ == '__main__':
    main()
