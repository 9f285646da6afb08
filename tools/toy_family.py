"""Every appearance source on the same boxes, in the same association.

    python tools/toy_family.py [--data-root data/toy_test]
        [--work-dir work_dirs/toy_family] [--only NAME ...]
        [--qdtrack CKPT] [--masa CKPT] [--simplereid CKPT]
        [--supervised-reid CKPT] [--imagenet-reid CKPT] [--random-reid CKPT]
        [--ssl-mot CKPT] [--deepsort-max-cosine-distance 0.5]
        [--reid-eval] [--report] [--markdown]

Runs each row through ``tools/test.py`` on the ``det/det.txt`` boxes of the
videos under ``<data-root>/val`` (by default the held-out test split of
``tools/toy_benchmark.py``, generated with another seed than the training
videos every checkpoint was trained on). Two blocks:

1. one association, UniTrack's (Kalman motion + appearance, gated,
   Hungarian; then IoU): no appearance (SORT, for reference), ImageNet
   MobileNetV2 stride-8 features compared by RSM / global / centre feature
   (with and without motion, as the UniTrack paper), and the (N, D)
   embeddings of SSL-MOT, ImageNet / SimpleReID / supervised ReID crops,
   MASA and QDTrack compared by cosine;
2. each method in its own association: DeepSORT (Table 4 of "Simple
   Unsupervised MOT": no appearance, random, ImageNet, SimpleReID,
   supervised ReID), SimpleReID in QDTrack's track manager, QDTrack and
   MASA with their own presets.

Rows whose checkpoint is not given are skipped. Prints the tables (MOT17
metrics, pedestrians) with each row's seconds, including rows run by an
earlier ``--only`` call into the same work dir, and writes
``<work-dir>/family.json``. ``--reid-eval`` adds ReID mAP / rank-1 of the
crop models on the ground-truth identities of the same videos
(``<data-root>/simplereid/val_gt.json``, made by
``tools/simplereid/pseudo_label.py --gt-boxes``).
"""
import argparse
import json
import os.path as osp
import re
import sys

import torch
from toy_benchmark import (
    COLUMNS,
    ROOT,
    SORT_CONFIG,
    _data_overrides,
    format_table,
    read_metrics,
    run,
)

from qdtrack.utils.io import atomic_write_json

UNITRACK = 'configs/unitrack/unitrack_{}_mobilenetv2-s8_toy.py'
SSL_CONFIG = 'configs/ssl_mot/ssl-mot_mobilenetv2_toy.py'
FAMILY = 'configs/family/{}_toy.py'
DEEPSORT = 'configs/deepsort/deepsort_simplereid_public-det_toy.py'
QDTRACK_GIVEN = 'configs/qdtrack/qdtrack_given-det_toy.py'
MASA_GIVEN = 'configs/masa/masa_toy_given-obs.py'
REID_CONFIG = 'configs/simplereid/simplereid_mobilenetv2_toy.py'
BLOCKS = ('UniTrack association', 'own association')
MD_COLUMNS = ('HOTA', 'DetA', 'AssA', 'MOTA', 'IDF1', 'IDSW', 'seconds')


def rows(args):
    """``{name: (block, config, checkpoint, options)}``; None: no ckpt."""
    out = {'SORT (no appearance)': (0, SORT_CONFIG, '', [])}
    for metric, tag in (('rsm', 'RSM'), ('gf', 'GF'), ('cf', 'CF')):
        out[f'ImageNet s8 {tag}'] = (0, UNITRACK.format(metric), '', [])
    for metric, tag in (('rsm', 'RSM'), ('gf', 'GF'), ('cf', 'CF')):
        out[f'ImageNet s8 {tag}, no motion'] = (
            0, UNITRACK.format(f'{metric}-womotion'), '', [])
    out['SSL-MOT'] = (0, SSL_CONFIG, '',
                      _opt('model.checkpoint', args.ssl_mot))
    reid = FAMILY.format('reid-embeds_unitrack-assoc')
    for name, ckpt in (('ImageNet crops', args.imagenet_reid),
                       ('SimpleReID', args.simplereid),
                       ('supervised ReID', args.supervised_reid)):
        out[name] = (0, reid, '', _opt('model.reid_checkpoint', ckpt))
    out['MASA'] = (0, FAMILY.format('masa-embeds_unitrack-assoc'),
                   args.masa, [])
    out['QDTrack'] = (0, FAMILY.format('qdtrack-embeds_unitrack-assoc'),
                      args.qdtrack, [])

    cos = [f'model.tracker.max_cosine_distance='
           f'{args.deepsort_max_cosine_distance}']
    out['DeepSORT, no appearance'] = (
        1, DEEPSORT, '', ['model.reid=None', 'model.reid_checkpoint=None'])
    for name, ckpt in (('random', args.random_reid),
                       ('ImageNet', args.imagenet_reid),
                       ('SimpleReID', args.simplereid),
                       ('supervised ReID', args.supervised_reid)):
        out[f'DeepSORT + {name}'] = (
            1, DEEPSORT, '', _opt('model.reid_checkpoint', ckpt, cos))
    out['SimpleReID, QDTrack manager'] = (
        1, FAMILY.format('reid-embeds_qd-manager'), '',
        _opt('model.reid_checkpoint', args.simplereid))
    out['MASA, own preset'] = (1, MASA_GIVEN, args.masa, [])
    out['QDTrack, own preset'] = (1, QDTRACK_GIVEN, args.qdtrack, [])
    return out


def _opt(key, value, extra=()):
    """``[key=value, *extra]``, or None when there is no value."""
    return None if not value else [f'{key}={value}', *extra]


def markdown_table(rows, columns=MD_COLUMNS):
    """The rows as a Markdown table (for docs)."""
    lines = ['| method | ' + ' | '.join(columns) + ' |',
             '|---|' + '---:|' * len(columns)]
    for name, metrics in rows.items():
        cells = [f'{metrics[c]:.0f}' if c in ('IDSW', 'seconds') else
                 f'{metrics[c]:.1f}' for c in columns if c in metrics]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def _slug(name):
    """A folder name: runs of characters other than [A-Za-z0-9] -> '-'."""
    return re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')


def reid_classes(ckpt):
    """Classifier size of a SimpleReID checkpoint (strict loading)."""
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    return int(state['head.classifier.weight'].shape[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/toy_test',
                        help='videos under <data-root>/val (default: the '
                        'held-out test split)')
    parser.add_argument('--work-dir', default='work_dirs/toy_family')
    parser.add_argument('--only', nargs='+',
                        help='run only these rows (names as printed)')
    for name, what in (('qdtrack', 'a toy QDTrack checkpoint'),
                       ('masa', 'a toy MASA checkpoint'),
                       ('simplereid', 'a SimpleReID checkpoint'),
                       ('supervised-reid',
                        'the same ReID model trained on ground-truth ids'),
                       ('imagenet-reid', 'tools/simplereid/'
                        'init_checkpoint.py output (ImageNet)'),
                       ('random-reid', 'the same, random init'),
                       ('ssl-mot', 'an embedder of tools/train_ssl_mot.py')):
        parser.add_argument(f'--{name}', help=what)
    parser.add_argument(
        '--deepsort-max-cosine-distance', type=float, default=0.5,
        help="DeepSORT's appearance gate (default 0.5: chosen over the "
        'reference 0.2 on the validation videos, docs/simplereid.md)')
    parser.add_argument('--report', action='store_true',
                        help='run no tracking row: print the rows '
                        'already in the work dir')
    parser.add_argument('--markdown', action='store_true',
                        help='also print the tables as Markdown')
    parser.add_argument('--reid-eval', action='store_true',
                        help='also ReID mAP / rank-1 of the crop models')
    args = parser.parse_args(argv)
    work_dir = osp.join(ROOT, args.work_dir)
    py, steps = sys.executable, []
    data = _data_overrides(args.data_root)
    results = {block: {} for block in BLOCKS}
    seconds = {}
    table = rows(args)
    unknown = set(args.only or ()) - set(table)
    if unknown:
        parser.error(f'--only: no row named {sorted(unknown)}; rows: '
                     f'{list(table)}')
    for name, (block, config, ckpt, options) in table.items():
        if ckpt is None or options is None:
            continue  # its checkpoint was not given
        out = osp.join(work_dir, _slug(BLOCKS[block]), _slug(name))
        if not args.report and (not args.only or name in args.only):
            cmd = [py, 'tools/test.py', config] + ([ckpt] if ckpt else [])
            run(cmd + ['--work-dir', out, '--cfg-options', *data, *options],
                steps)
            seconds[name] = steps[-1]['seconds']
            atomic_write_json(osp.join(out, 'seconds.json'),
                              dict(seconds=seconds[name]))
        # rows run by an earlier --only call are in the table too
        if osp.isfile(osp.join(out, 'test_metrics.json')):
            results[BLOCKS[block]][name] = metrics = read_metrics(out)
            if osp.isfile(osp.join(out, 'seconds.json')):
                with open(osp.join(out, 'seconds.json')) as f:
                    metrics['seconds'] = json.load(f)['seconds']

    reid = {}
    if args.reid_eval:
        ann = osp.join(args.data_root, 'simplereid', 'val_gt.json')
        for name, ckpt in (('random', args.random_reid),
                           ('ImageNet', args.imagenet_reid),
                           ('SimpleReID', args.simplereid),
                           ('supervised ReID', args.supervised_reid)):
            if not ckpt:
                continue
            out = osp.join(work_dir, 'reid', _slug(name))
            run([py, 'tools/test.py', REID_CONFIG, ckpt, '--work-dir', out,
                 '--cfg-options', f'test_dataloader.dataset.ann_file={ann}',
                 f'model.head.num_classes={reid_classes(ckpt)}'], steps)
            with open(osp.join(out, 'test_metrics.json')) as f:
                raw = json.load(f)
            reid[name] = {k.split('/')[-1]: v for k, v in raw.items()}

    for block in BLOCKS:
        if results[block]:
            print(f'\n{block}, det.txt boxes of {args.data_root}/val '
                  '(MOT17 metrics):')
            print(format_table(results[block], COLUMNS + ('seconds', )))
    if reid:
        print('\nReID on ground-truth identities:')
        for name, metrics in reid.items():
            print(f'  {name:<16} mAP {metrics.get("mAP", float("nan")):.3f}'
                  f'  rank-1 {metrics.get("R1", float("nan")):.3f}')
    if args.markdown:
        for block in BLOCKS:
            if results[block]:
                print(f'\n{block}:\n\n{markdown_table(results[block])}')
    atomic_write_json(osp.join(work_dir, 'family.json'),
                      dict(results=results, reid=reid, steps=steps,
                           data_root=args.data_root))


if __name__ == '__main__':
    main()
