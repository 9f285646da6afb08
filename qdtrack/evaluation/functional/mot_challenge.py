"""MOTChallenge (MOT16/17/20) evaluation through TrackEval.

:func:`evaluate_mot_challenge` validates the ground truth and results files
with the readers of :mod:`qdtrack.datasets.mot_files` (clear errors naming
file and line), lays them out the way ``trackeval.datasets.
MotChallenge2DBox`` wants in a temporary folder (symlinks, no copy of the
user's data) and runs TrackEval's HOTA, CLEAR and Identity metrics with the
official preprocessing: only class 1 (pedestrian) rows with consider flag 1
are scored; predictions matched (IoU >= 0.5, Hungarian) to a ground-truth
box of a distractor class (2 person on vehicle, 7 static person,
8 distractor, 12 reflection; for MOT20 also 6 non-motorized vehicle) are
removed before scoring. As in TrackEval and the official MOTChallenge
devkit, a prediction on a pedestrian with consider flag 0 is NOT removed:
it counts as a false positive.

Returned values are plain floats. Ratios are percentages on 0-100 like the
MOTChallenge tables: HOTA, DetA, AssA, DetRe, DetPr, AssRe, AssPr, LocA
(each the mean over TrackEval's 19 IoU thresholds alpha = 0.05 ... 0.95),
MOTA, MOTP (mean IoU of the matches, higher is better), Rcll, Prcn, IDF1,
IDP, IDR. Counts are whole numbers stored as floats: TP, FP, FN, IDSW,
Frag, MT, PT, ML, IDTP, IDFP, IDFN, GT_IDs, IDs, GT_Dets, Dets (after
preprocessing). ``'COMBINED'`` holds the values over all sequences.
"""
import contextlib
import io
import os
import os.path as osp
import shutil
import tempfile
import warnings
from typing import Dict, Optional, Sequence

import numpy as np

from qdtrack.datasets.mot_files import (
    list_mot_sequences,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
)
from qdtrack.evaluation.writers.mot import write_mot_results

from .trackeval_config import quiet_eval_config

#: Metric families that can be asked for.
MOT_METRIC_FAMILIES = ('HOTA', 'CLEAR', 'Identity')
#: Benchmarks with the MOT16/17/20 ground-truth format.
MOT_BENCHMARKS = ('MOT16', 'MOT17', 'MOT20')
#: Key of the values combined over all sequences.
COMBINED = 'COMBINED'

# our name -> TrackEval field; percentages are multiplied by 100
_PERCENT_FIELDS = {
    'HOTA': {k: k for k in ('HOTA', 'DetA', 'AssA', 'DetRe', 'DetPr',
                            'AssRe', 'AssPr', 'LocA')},
    'CLEAR': {'MOTA': 'MOTA', 'MOTP': 'MOTP', 'Rcll': 'CLR_Re',
              'Prcn': 'CLR_Pr'},
    'Identity': {'IDF1': 'IDF1', 'IDP': 'IDP', 'IDR': 'IDR'},
}
_COUNT_FIELDS = {
    'CLEAR': {'TP': 'CLR_TP', 'FP': 'CLR_FP', 'FN': 'CLR_FN',
              'IDSW': 'IDSW', 'Frag': 'Frag', 'MT': 'MT', 'PT': 'PT',
              'ML': 'ML'},
    'Identity': {'IDTP': 'IDTP', 'IDFP': 'IDFP', 'IDFN': 'IDFN'},
    'Count': {'GT_IDs': 'GT_IDs', 'IDs': 'IDs', 'GT_Dets': 'GT_Dets',
              'Dets': 'Dets'},
}
#: Names of the values that are counts (printed as integers).
MOT_COUNT_KEYS = frozenset(
    name for fields in _COUNT_FIELDS.values() for name in fields)
#: Columns printed by :func:`format_mot_table` by default (when present).
DEFAULT_TABLE_METRICS = ('HOTA', 'DetA', 'AssA', 'MOTA', 'MOTP', 'IDF1',
                         'IDP', 'IDR', 'IDSW', 'FP', 'FN', 'Frag', 'MT',
                         'ML')
# TrackEval reads column 8 of a results file as a class id and refuses
# values > 1; large ids make it allocate an array as long as the largest id
_MAX_TRACKEVAL_ID = 10**6
_TRACKER = 'qdtrack'


def evaluate_mot_challenge(gt_root: str,
                           results_dir: str,
                           seq_names: Optional[Sequence[str]] = None,
                           gt_file: str = '{seq}/gt/gt.txt',
                           metrics: Sequence[str] = MOT_METRIC_FAMILIES,
                           num_workers: int = 1,
                           verbose: bool = False,
                           benchmark: str = 'MOT17',
                           seqinfo_file: str = '{seq}/seqinfo.ini',
                           progress: bool = True) -> Dict[str, dict]:
    """Evaluate MOTChallenge results files with TrackEval.

    Args:
        gt_root (str): folder of the ground truth, e.g. ``data/MOT17/train``.
        results_dir (str): folder with one ``<seq>.txt`` per sequence. A
            sequence without a file counts as an empty result (every
            ground-truth box missed) and triggers a warning.
        seq_names (Sequence[str], optional): sequences to evaluate. Defaults
            to every sequence folder of ``gt_root`` (see
            :func:`qdtrack.datasets.mot_files.list_mot_sequences`).
        gt_file (str): path of a sequence's ground truth relative to
            ``gt_root``, with ``{seq}`` for the sequence name. Defaults to
            ``'{seq}/gt/gt.txt'``.
        metrics (Sequence[str]): metric families among ``'HOTA'``,
            ``'CLEAR'`` and ``'Identity'``. The counts GT_IDs, IDs, GT_Dets
            and Dets are always returned.
        num_workers (int): processes evaluating sequences in parallel.
            Defaults to 1.
        verbose (bool): let TrackEval print its configuration and tables.
            Defaults to False (quiet).
        benchmark (str): 'MOT16', 'MOT17' (default) or 'MOT20'; MOT20 adds
            class 6 to the distractor classes.
        seqinfo_file (str): path of a sequence's ``seqinfo.ini`` relative
            to ``gt_root`` (its ``seqLength`` is used). Defaults to
            ``'{seq}/seqinfo.ini'``.
        progress (bool): show progress bars while the files are read and
            while TrackEval evaluates the sequences. Defaults to True.

    Returns:
        dict[str, dict[str, float]]: per sequence (in ``seq_names`` order)
        and ``'COMBINED'``, the values listed in the module docstring.

    Raises:
        FileNotFoundError: a ground-truth or ``seqinfo.ini`` file, or
            ``results_dir``, is missing.
        ValueError: a bad argument, or a file breaks the format (the message
            names file and line; frames beyond ``seqLength`` included).
    """
    families = _check_families(metrics)
    if benchmark not in MOT_BENCHMARKS:
        raise ValueError(f'benchmark must be one of {MOT_BENCHMARKS}, got '
                         f'{benchmark!r}')
    if int(num_workers) != num_workers or num_workers < 1:
        raise ValueError(f'num_workers must be an integer >= 1, got '
                         f'{num_workers!r}')
    gt_root, results_dir = os.fspath(gt_root), os.fspath(results_dir)
    if not osp.isdir(results_dir):
        raise FileNotFoundError(f'{results_dir}: results folder not found')
    if seq_names is None:
        seq_names = list_mot_sequences(gt_root)
    seq_names = _check_seq_names(seq_names)

    with tempfile.TemporaryDirectory(prefix='qdtrack_motchallenge_') as tmp:
        seq_lengths = _stage_files(tmp, gt_root, results_dir, seq_names,
                                   gt_file, seqinfo_file, progress)
        raw = _run_trackeval(tmp, seq_lengths, families, benchmark,
                             int(num_workers), verbose, progress)
    results = {seq: _plain_values(raw[seq], families) for seq in seq_names}
    results[COMBINED] = _plain_values(raw['COMBINED_SEQ'], families)
    return results


def format_mot_table(results: Dict[str, dict],
                     metrics: Optional[Sequence[str]] = None,
                     decimals: int = 1) -> str:
    """Format evaluation results as a text table.

    Args:
        results (dict): what :func:`evaluate_mot_challenge` returns.
        metrics (Sequence[str], optional): the columns, e.g.
            ``('HOTA', 'MOTA', 'IDF1')``. Defaults to those of
            :data:`DEFAULT_TABLE_METRICS` present in the results.
        decimals (int): digits after the point of percentages. Defaults
            to 1; counts are printed as integers.

    Returns:
        str: one header line, one line per sequence, ``COMBINED`` last.

    Raises:
        KeyError: a requested column is missing from the results.
    """
    seqs = [seq for seq in results if seq != COMBINED]
    if COMBINED in results:
        seqs.append(COMBINED)
    if not seqs:
        raise ValueError('results are empty')
    available = results[seqs[-1]]
    if metrics is None:
        metrics = [m for m in DEFAULT_TABLE_METRICS if m in available]
    for seq in seqs:
        lacking = [m for m in metrics if m not in results[seq]]
        if lacking:
            raise KeyError(f'{seq} has no {", ".join(lacking)}; available: '
                           f'{", ".join(results[seq])}')

    def cell(name: str, value: float) -> str:
        if name in MOT_COUNT_KEYS:
            return str(int(round(value)))
        return f'{value:.{decimals}f}'

    table = [['Sequence', *metrics]]
    table += [[seq, *(cell(m, results[seq][m]) for m in metrics)]
              for seq in seqs]
    widths = [max(len(row[i]) for row in table)
              for i in range(len(table[0]))]
    lines = [
        '  '.join([row[0].ljust(widths[0])] +
                  [text.rjust(width)
                   for text, width in zip(row[1:], widths[1:])])
        for row in table
    ]
    return '\n'.join(lines)


# ---------------------------------------------------------------------------
# helpers


def _check_families(metrics: Sequence[str]) -> tuple:
    if isinstance(metrics, str):
        metrics = (metrics, )
    unknown = [m for m in metrics if m not in MOT_METRIC_FAMILIES]
    if unknown or not metrics:
        raise ValueError(f'metrics must be a non-empty subset of '
                         f'{MOT_METRIC_FAMILIES}, got {tuple(metrics)}')
    return tuple(m for m in MOT_METRIC_FAMILIES if m in metrics)


def _check_seq_names(seq_names: Sequence[str]) -> list:
    if isinstance(seq_names, str):
        seq_names = [seq_names]
    seq_names = list(seq_names)
    if not seq_names:
        raise ValueError('seq_names is empty: nothing to evaluate')
    for seq in seq_names:
        if not isinstance(seq, str) or not seq or seq in ('.', '..') or \
                '/' in seq or os.sep in seq:
            raise ValueError(f'invalid sequence name {seq!r}')
        if seq in (COMBINED, 'COMBINED_SEQ'):
            raise ValueError(f'{seq!r} is reserved for the combined values')
    if len(set(seq_names)) != len(seq_names):
        raise ValueError(f'seq_names has duplicates: {seq_names}')
    return seq_names


def _format_template(template: str, seq: str) -> str:
    try:
        return template.format(seq=seq)
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f'bad path template {template!r}: only {{seq}} is '
                         f'allowed ({err!r})') from None


def _link(src: str, dst: str) -> None:
    """Symlink ``src`` to ``dst``; copy when symlinks are not allowed."""
    try:
        os.symlink(osp.abspath(src), dst)
    except OSError:
        shutil.copyfile(src, dst)


def _stage_files(tmp: str, gt_root: str, results_dir: str, seq_names: list,
                 gt_file: str, seqinfo_file: str, progress: bool) -> dict:
    """Validate the files and lay them out for TrackEval under ``tmp``.

    Returns:
        dict: sequence name -> number of frames.
    """
    from tqdm import tqdm

    tracker_dir = osp.join(tmp, 'trackers', _TRACKER, 'data')
    os.makedirs(tracker_dir)
    seq_lengths = {}
    for seq in tqdm(seq_names, desc='reading MOT files', unit='seq',
                    disable=not progress, leave=False):
        info = read_seqinfo(
            osp.join(gt_root, _format_template(seqinfo_file, seq)))
        length = info['seqLength']
        seq_lengths[seq] = length
        gt_path = osp.join(gt_root, _format_template(gt_file, seq))
        read_mot_gt(gt_path, max_frame=length)
        os.makedirs(osp.join(tmp, 'gt', seq, 'gt'))
        _link(gt_path, osp.join(tmp, 'gt', seq, 'gt', 'gt.txt'))

        res_path = osp.join(results_dir, f'{seq}.txt')
        staged = osp.join(tracker_dir, f'{seq}.txt')
        if not osp.isfile(res_path):
            warnings.warn(f'{res_path}: no results file for sequence {seq}; '
                          'it counts as an empty result (every ground-truth '
                          'box missed)', stacklevel=3)
            open(staged, 'w').close()
            continue
        rows = read_mot_results(res_path, max_frame=length)
        ids = rows[:, 1]
        if len(rows) and (np.any(rows[:, 7] > 1) or
                          ids.max() > _MAX_TRACKEVAL_ID):
            # world x in column 8 would be read as a class by TrackEval;
            # huge ids would make it allocate huge arrays: relabel them
            _, new_ids = np.unique(ids, return_inverse=True)
            rows = np.column_stack([rows[:, :1], new_ids + 1, rows[:, 2:7]])
            write_mot_results(staged, rows)
        else:
            _link(res_path, staged)
    return seq_lengths


def _run_trackeval(tmp: str, seq_lengths: dict, families: tuple,
                   benchmark: str, num_workers: int, verbose: bool,
                   progress: bool) -> dict:
    """Run TrackEval on the staged files; return its per-sequence dict."""
    import trackeval

    eval_config = quiet_eval_config(verbose, num_workers)
    dataset_config = trackeval.datasets.MotChallenge2DBox.\
        get_default_dataset_config()
    dataset_config.update(
        GT_FOLDER=osp.join(tmp, 'gt'),
        TRACKERS_FOLDER=osp.join(tmp, 'trackers'),
        OUTPUT_FOLDER=osp.join(tmp, 'output'),
        TRACKERS_TO_EVAL=[_TRACKER],
        CLASSES_TO_EVAL=['pedestrian'],
        BENCHMARK=benchmark,
        SKIP_SPLIT_FOL=True,
        SEQ_INFO=dict(seq_lengths),
        GT_LOC_FORMAT='{gt_folder}/{seq}/gt/gt.txt',
        TRACKER_SUB_FOLDER='data',
        DO_PREPROC=True,
        PRINT_CONFIG=verbose)
    metric_config = {'THRESHOLD': 0.5, 'PRINT_CONFIG': verbose}
    metric_classes = {
        'HOTA': trackeval.metrics.HOTA,
        'CLEAR': trackeval.metrics.CLEAR,
        'Identity': trackeval.metrics.Identity,
    }
    quiet = contextlib.nullcontext() if verbose else \
        contextlib.redirect_stdout(io.StringIO())
    with quiet:
        evaluator = trackeval.Evaluator(eval_config)
        dataset = trackeval.datasets.MotChallenge2DBox(dataset_config)
        metric_list = [
            metric_classes[name](dict(metric_config)) for name in families
        ]
        output, _ = evaluator.evaluate([dataset], metric_list,
                                       show_progressbar=progress)
    return output['MotChallenge2DBox'][_TRACKER]


def _plain_values(seq_result: dict, families: tuple) -> dict:
    """Convert TrackEval's result of one sequence to plain floats."""
    result = seq_result['pedestrian']
    values = {}
    for family in (*families, 'Count'):
        fields = result[family]
        for name, field in _PERCENT_FIELDS.get(family, {}).items():
            values[name] = 100.0 * float(np.mean(fields[field]))
        for name, field in _COUNT_FIELDS.get(family, {}).items():
            values[name] = float(fields[field])
    return values
