"""The embedded default job: toy benchmark, SORT baseline and QDTrack.

    python tools/toy_benchmark.py [--data-root data/toy] [--work-dir DIR]
                                  [--skip-qdtrack]

1. generates the toy benchmark (skipped when it is already there);
2. runs SORT on its public detections and evaluates (MOT17 metrics);
3. trains QDTrack on the toy training videos, tests it on the validation
   videos and evaluates;
4. prints the metrics side by side and writes them to
   ``<work-dir>/summary.json``.

Each step runs tools/train.py or tools/test.py in a subprocess, exactly as a
user would.
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
COLUMNS = ('HOTA', 'DetA', 'AssA', 'MOTA', 'IDF1', 'IDSW', 'FP', 'FN')


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
    return {k.split('/')[-1]: v for k, v in raw.items()}


def format_table(rows):
    width = max([10] + [len(name) + 2 for name in rows])
    head = f'{"method":<{width}}' + ''.join(f'{c:>8}' for c in COLUMNS)
    lines = [head, '-' * len(head)]
    for name, metrics in rows.items():
        cells = []
        for c in COLUMNS:
            v = metrics.get(c, float('nan'))
            cells.append(f'{v:8.0f}' if c in ('IDSW', 'FP', 'FN') else
                         f'{v:8.1f}')
        lines.append(f'{name:<{width}}' + ''.join(cells))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/toy')
    parser.add_argument('--work-dir', default='work_dirs/toy_benchmark')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--skip-qdtrack', action='store_true')
    args = parser.parse_args(argv)
    args.work_dir = osp.join(ROOT, args.work_dir)  # kept if absolute
    py = sys.executable
    steps = []
    ann = osp.join(ROOT, args.data_root, 'annotations',
                   'val_cocoformat.json')
    if not osp.exists(ann):
        run([py, 'tools/generate_toy.py', args.data_root, '--seed',
             str(args.seed)], steps)
    results = {}

    sort_dir = osp.join(args.work_dir, 'sort')
    run([py, 'tools/test.py', SORT_CONFIG, '--work-dir', sort_dir,
         '--out', osp.join(sort_dir, 'results'), '--cfg-options',
         *_data_overrides(args.data_root)], steps)
    results['SORT'] = read_metrics(sort_dir)

    if not args.skip_qdtrack:
        qd_dir = osp.join(args.work_dir, 'qdtrack')
        run([py, 'tools/train.py', QDTRACK_CONFIG, '--work-dir', qd_dir,
             '--cfg-options', *_data_overrides(args.data_root, train=True)],
            steps)
        with open(osp.join(qd_dir, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        run([py, 'tools/test.py', QDTRACK_CONFIG, ckpt, '--work-dir', qd_dir,
             '--out', osp.join(qd_dir, 'results'), '--cfg-options',
             *_data_overrides(args.data_root)], steps)
        results['QDTrack'] = read_metrics(qd_dir)

    print('\nToy benchmark, validation videos (MOT17 metrics):')
    print(format_table(results))
    summary = dict(results=results, steps=steps)
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
