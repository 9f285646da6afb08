"""Per-sequence metric bars and identity-switch timelines of MOT results.

    python tools/analysis/plot_results.py RESULT_DIR [RESULT_DIR ...] \\
        --gt data/MOT17/train [--labels A B] [--out-dir plots/]

A RESULT_DIR holds one MOTChallenge file ``<SEQ>.txt`` per sequence (what
``tools/test.py --out DIR`` or the demo's ``--out-txt`` writes); ``--gt`` is
the split folder with ``<SEQ>/seqinfo.ini`` and ``<SEQ>/gt/gt.txt``. Writes
into the output folder:

- ``metrics.png``: HOTA, IDF1 and MOTA (``--metrics``) of every sequence
  and of all together, one bar per result folder (TrackEval, as
  ``tools/test.py`` scores them);
- ``switches/<SEQ>.png``: one row per ground-truth object, coloured by the
  track that covers it in each frame (grey: missed); red marks where the
  object changes track (an identity switch, labelled ``old>new``); one
  panel per result folder;
- ``plot_results.json``: the metrics and every switch (frame, object,
  previous and new track).
"""
import argparse
import io
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from qdtrack.datasets.mot_files import (
    list_mot_sequences,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
)
from qdtrack.evaluation.functional import (
    SequenceTimeline,
    evaluate_mot_challenge,
    identity_timeline,
)
from qdtrack.evaluation.functional.id_switches import scored_gt_rows
from qdtrack.utils.io import atomic_write_bytes, atomic_write_json

#: Objects shown in a timeline at most (those with the most switches).
MAX_TIMELINE_ROWS = 60


def _labels(result_dirs: Sequence[str], labels: Sequence[str]) -> List[str]:
    if labels:
        if len(labels) != len(result_dirs):
            raise ValueError(f'{len(labels)} --labels for '
                             f'{len(result_dirs)} result folders')
        return list(labels)
    names = [osp.basename(osp.normpath(d)) for d in result_dirs]
    if len(set(names)) < len(names):  # e.g. two work_dirs/*/results
        names = [osp.join(*osp.normpath(d).split(osp.sep)[-2:])
                 for d in result_dirs]
    return names


def sequences(gt_root: str, result_dirs: Sequence[str],
              wanted: Sequence[str] = ()) -> List[str]:
    """The sequences to show: ``wanted``, else those of the ground truth
    that every result folder has a file for.

    Raises:
        FileNotFoundError: A result folder or a wanted file is missing.
        ValueError: No sequence is common to all folders.
    """
    for d in result_dirs:
        if not osp.isdir(d):
            raise FileNotFoundError(f'{d}: results folder not found')
    if wanted:
        for d in result_dirs:
            for seq in wanted:
                if not osp.isfile(osp.join(d, f'{seq}.txt')):
                    raise FileNotFoundError(
                        f'{osp.join(d, seq + ".txt")}: no results for {seq}')
        return list(wanted)
    seqs = [s for s in list_mot_sequences(gt_root)
            if all(osp.isfile(osp.join(d, f'{s}.txt')) for d in result_dirs)]
    if not seqs:
        raise ValueError(f'no sequence of {gt_root} has a result file in '
                         f'every folder of {", ".join(result_dirs)}')
    return seqs


def timelines(gt_root: str, result_dir: str, seqs: Sequence[str],
              gt_file: str = 'gt.txt') -> Dict[str, SequenceTimeline]:
    """The frame-by-frame matching of every sequence of a result folder."""
    out = {}
    for seq in seqs:
        length = read_seqinfo(osp.join(gt_root, seq))['seqLength']
        gt = read_mot_gt(osp.join(gt_root, seq, 'gt', gt_file), length)
        res = read_mot_results(osp.join(result_dir, f'{seq}.txt'), length)
        out[seq] = identity_timeline(scored_gt_rows(gt), res)
    return out


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=fig.dpi)
    plt.close(fig)
    return buf.getvalue()


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_metrics(metrics: Dict[str, Dict[str, dict]], names: Sequence[str],
                 out: str, dpi: int = 100) -> None:
    """Grouped bars: a panel per metric, sequences on x, a bar per folder.

    Args:
        metrics (dict): label -> metric name -> sequence -> value.
        names (Sequence[str]): Metrics, e.g. ``('HOTA', 'IDF1', 'MOTA')``.
        out (str): The PNG (written atomically).
        dpi (int): Resolution.
    """
    plt = _pyplot()
    labels = list(metrics)
    seqs = list(next(iter(metrics.values()))[names[0]])
    width = 0.8 / len(labels)
    fig, axes = plt.subplots(len(names), 1, squeeze=False, dpi=dpi,
                             figsize=(max(6, 0.9 * len(seqs) * len(labels)
                                          + 2), 2.6 * len(names)))
    x = np.arange(len(seqs))
    for ax, name in zip(axes[:, 0], names):
        for k, label in enumerate(labels):
            values = [metrics[label][name][s] for s in seqs]
            bars = ax.bar(x + (k - (len(labels) - 1) / 2) * width, values,
                          width, label=label)
            ax.bar_label(bars, fmt='%.1f', fontsize=6)
        ax.set_xticks(x, seqs, fontsize=7)
        ax.set_ylabel(name)
        ax.grid(axis='y', alpha=0.3)
    axes[0, 0].legend(fontsize=7, ncol=min(len(labels), 4))
    fig.tight_layout()
    atomic_write_bytes(out, _png(fig))


def plot_timeline(seq: str, per_label: Dict[str, SequenceTimeline],
                  out: str, dpi: int = 100) -> None:
    """A sequence's coverage and switches, one panel per result folder.

    Rows are the ground-truth objects, in the same order in every panel
    (at most :data:`MAX_TIMELINE_ROWS`: those with the most switches over
    all panels first, then by id).
    """
    plt = _pyplot()
    cmap = plt.get_cmap('tab20')
    counts: Dict[int, int] = {}
    for tl in per_label.values():
        for oid in tl.coverage:
            counts.setdefault(oid, 0)
        for s in tl.switches:
            counts[s.gt_id] += 1
    ids = sorted(counts, key=lambda o: (-counts[o], o))[:MAX_TIMELINE_ROWS]
    row_of = {oid: r for r, oid in enumerate(ids)}
    n = len(per_label)
    fig, axes = plt.subplots(n, 1, squeeze=False, dpi=dpi,
                             figsize=(10, n * (1.2 + 0.18 * len(ids))))
    for ax, (label, tl) in zip(axes[:, 0], per_label.items()):
        for oid in ids:
            if oid not in tl.coverage:
                continue
            cov = np.array(tl.coverage[oid])
            hit = cov[:, 1] >= 0
            y = np.full(len(cov), row_of[oid])
            ax.scatter(cov[~hit, 0], y[~hit], s=4, c='0.8', marker='s',
                       linewidths=0)
            ax.scatter(cov[hit, 0], y[hit], s=6, marker='s', linewidths=0,
                       c=[cmap(t % 20) for t in cov[hit, 1]])
        for s in tl.switches:
            if s.gt_id in row_of:
                r = row_of[s.gt_id]
                ax.plot([s.frame, s.frame], [r - 0.45, r + 0.45], c='red',
                        lw=1.2)
                ax.annotate(f'{s.from_id}>{s.to_id}', (s.frame, r + 0.45),
                            fontsize=5, color='red', ha='center',
                            va='bottom')
        ax.set_yticks(range(len(ids)), [str(o) for o in ids], fontsize=5)
        ax.set_ylim(-1, max(len(ids), 1))
        ax.set_xlim(0, tl.num_frames + 1)
        ax.set_ylabel('gt id')
        ax.set_title(f'{seq} - {label}: {len(tl.switches)} identity '
                     'switches', fontsize=8)
    axes[-1, 0].set_xlabel('frame')
    fig.tight_layout()
    atomic_write_bytes(out, _png(fig))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('result_dirs', nargs='+',
                        help='folders of <SEQ>.txt MOTChallenge results')
    parser.add_argument('--gt', required=True,
                        help='split folder with <SEQ>/seqinfo.ini and '
                        '<SEQ>/gt/<gt-file>')
    parser.add_argument('--gt-file', default='gt.txt',
                        help='ground-truth file in <SEQ>/gt/')
    parser.add_argument('--seqs', nargs='+', default=[],
                        help='sequences (default: those every folder has)')
    parser.add_argument('--labels', nargs='+', default=[],
                        help='a name per result folder (default: folder)')
    parser.add_argument('--metrics', nargs='+',
                        default=['HOTA', 'IDF1', 'MOTA'],
                        help='metrics of the bar chart')
    parser.add_argument('--out-dir', default='result_plots',
                        help='folder for the PNGs and the JSON')
    parser.add_argument('--dpi', type=int, default=100)
    args = parser.parse_args(argv)

    labels = _labels(args.result_dirs, args.labels)
    seqs = sequences(args.gt, args.result_dirs, args.seqs)
    metrics, switches, lines = {}, {}, {}
    for label, folder in zip(labels, args.result_dirs):
        table = evaluate_mot_challenge(
            args.gt, folder, seq_names=seqs,
            gt_file='{seq}/gt/' + args.gt_file, progress=False)
        unknown = [m for m in args.metrics if m not in table['COMBINED']]
        if unknown:
            raise ValueError(f'unknown metric(s) {", ".join(unknown)}; '
                             f'known: {", ".join(table["COMBINED"])}')
        metrics[label] = {m: {s: table[s][m] for s in table}
                          for m in args.metrics}
        lines[label] = timelines(args.gt, folder, seqs, args.gt_file)
        switches[label] = {
            s: [vars(sw) for sw in tl.switches]
            for s, tl in lines[label].items()}
    plot_metrics(metrics, args.metrics,
                 osp.join(args.out_dir, 'metrics.png'), args.dpi)
    for seq in seqs:
        plot_timeline(seq, {lb: lines[lb][seq] for lb in labels},
                      osp.join(args.out_dir, 'switches', f'{seq}.png'),
                      args.dpi)
    summary = dict(gt=args.gt, results=dict(zip(labels, args.result_dirs)),
                   metrics=metrics, switches=switches)
    atomic_write_json(osp.join(args.out_dir, 'plot_results.json'), summary)
    for label in labels:
        total = sum(len(v) for v in switches[label].values())
        print(f'{label}: ' + ', '.join(
            f'{m} {metrics[label][m]["COMBINED"]:.1f}' for m in args.metrics)
            + f', {total} identity switches')
    print(f'plots written to {args.out_dir}')
    return summary


if __name__ == '__main__':
    main()
