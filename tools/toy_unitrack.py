"""UniTrack / SSL-MOT table on the toy benchmark's given boxes.

    python tools/toy_unitrack.py [--data-root data/toy]
        [--work-dir work_dirs/toy_unitrack] [--only NAME ...]
        [--ssl-checkpoint work_dirs/ssl_mot_toy/embedder.pth]

Tests SORT and every config of ``configs/unitrack/`` (ImageNet MobileNetV2
stride-8 features, RSM / global / centre feature, with and without motion)
on the validation videos' ``det/det.txt`` boxes, and SSL-MOT when a trained
embedder is given; all through tools/test.py, as a user would. Prints one
table (MOT17 metrics), with the rows of earlier ``--only`` runs in the same
work dir, and writes ``unitrack.json``.
"""
import argparse
import glob
import os.path as osp
import sys

from toy_benchmark import (
    ROOT,
    SORT_CONFIG,
    _data_overrides,
    format_table,
    read_metrics,
    run,
)

from qdtrack.utils.io import atomic_write_json

SSL_CONFIG = 'configs/ssl_mot/ssl-mot_mobilenetv2_toy.py'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/toy')
    parser.add_argument('--work-dir', default='work_dirs/toy_unitrack')
    parser.add_argument('--only', nargs='+',
                        help='run only these rows (names as printed)')
    parser.add_argument('--ssl-checkpoint',
                        help='an embedder trained by tools/train_ssl_mot.py')
    args = parser.parse_args(argv)
    work_dir = osp.join(ROOT, args.work_dir)
    rows = {'SORT': (SORT_CONFIG, [])}
    for config in sorted(glob.glob(
            osp.join(ROOT, 'configs/unitrack/unitrack_*_toy.py'))):
        name = osp.basename(config)[len('unitrack_'):-len('_toy.py')]
        rows[f'UniTrack {name}'] = (config, [])
    if args.ssl_checkpoint:
        rows['SSL-MOT'] = (SSL_CONFIG,
                           [f'model.checkpoint={args.ssl_checkpoint}'])
    py, steps, results = sys.executable, [], {}
    for name, (config, options) in rows.items():
        out = osp.join(work_dir, name.replace(' ', '_'))
        if not args.only or name in args.only:
            run([py, 'tools/test.py', config, '--work-dir', out,
                 '--cfg-options', *_data_overrides(args.data_root),
                 *options], steps)
        # rows run by an earlier --only call are in the table too
        if osp.isfile(osp.join(out, 'test_metrics.json')):
            results[name] = read_metrics(out)
    print('\nGiven det.txt boxes, validation videos (MOT17 metrics):')
    print(format_table(results))
    atomic_write_json(osp.join(work_dir, 'unitrack.json'),
                      dict(results=results, steps=steps))


if __name__ == '__main__':
    main()
