"""Ablation table on the toy benchmark (tracker and training variants).

    python tools/toy_ablation.py CHECKPOINT [--data-root data/toy]
                                 [--work-dir DIR] [--train]

Tests the trained toy model (``tools/toy_benchmark.py`` trains it) with the
tracker variants of ``configs/qdtrack/ablations/``; with ``--train`` it also
trains and tests the training variants (sparse ground-truth matching,
one-positive cross-entropy). Prints one table and writes ``ablation.json``.
"""
import argparse
import glob
import os.path as osp
import sys

from toy_benchmark import (
    QDTRACK_CONFIG,
    ROOT,
    _data_overrides,
    format_table,
    read_metrics,
    run,
)

from qdtrack.utils.io import atomic_write_json

TRAIN_VARIANTS = ('sparse', 'one-positive')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint')
    parser.add_argument('--data-root', default='data/toy')
    parser.add_argument('--work-dir', default='work_dirs/toy_ablation')
    parser.add_argument('--train', action='store_true')
    args = parser.parse_args(argv)
    work_dir = osp.join(ROOT, args.work_dir)
    py, steps, results = sys.executable, [], {}

    def test(name, config, ckpt):
        out = osp.join(work_dir, name)
        run([py, 'tools/test.py', config, ckpt, '--work-dir', out,
             '--cfg-options', *_data_overrides(args.data_root)], steps)
        results[name] = read_metrics(out)

    test('toy preset', QDTRACK_CONFIG, args.checkpoint)
    for config in sorted(glob.glob(
            osp.join(ROOT, 'configs/qdtrack/ablations/qdtrack_toy_*.py'))):
        name = osp.basename(config)[len('qdtrack_toy_'):-3]
        if name in TRAIN_VARIANTS:
            if not args.train:
                continue
            train_dir = osp.join(work_dir, name)
            run([py, 'tools/train.py', config, '--work-dir', train_dir,
                 '--cfg-options',
                 *_data_overrides(args.data_root, train=True)], steps)
            with open(osp.join(train_dir, 'last_checkpoint')) as f:
                test(name, config, f.read().strip())
        else:
            test(name, config, args.checkpoint)
    print('\nToy ablation, validation videos (MOT17 metrics):')
    print(format_table(results))
    atomic_write_json(osp.join(work_dir, 'ablation.json'),
                      dict(results=results, steps=steps))


if __name__ == '__main__':
    main()
