"""Track mAP on TAO through TrackEval (``trackeval.datasets.TAO`` +
``trackeval.metrics.TrackMAP``).

Track mAP (Dave et al., ECCV 2020) is COCO-style average precision over
whole tracks: a predicted track matches a ground-truth track when their
3D IoU (intersection over union summed over all frames) reaches the
threshold; a track's score is the mean score of its boxes. TAO's federated
labels apply: predicted tracks of a class that is neither present nor
listed in ``neg_category_ids`` of the video are dropped, and unmatched
predicted tracks of a class in ``not_exhaustive_category_ids`` are ignored.
Only classes with ground truth are scored; the final number is the mean
over them.

TrackEval reads a folder layout: one ground-truth JSON in ``GT_FOLDER`` and
one results JSON in ``TRACKERS_FOLDER/<tracker>/data``. It is built in a
temporary folder. Predicted track ids are renumbered 1..N over the dataset
first: TrackMAP treats a predicted track id of 0 as "no match"
(``gt_m > 0``), which lets a second track claim the same ground truth.
"""
import contextlib
import io
import os.path as osp
import tempfile
from typing import List, Optional, Sequence, Union

import numpy as np

from qdtrack.datasets.tao import cocovid_to_tao
from qdtrack.evaluation.writers.tao import (
    load_tao_gt_and_results,
    renumber_tracks,
)
from qdtrack.utils.io import atomic_write_json

from .trackeval_config import quiet_eval_config

__all__ = ['DEFAULT_IOU_THRESHOLDS', 'tao_track_map']

DEFAULT_IOU_THRESHOLDS = tuple(np.round(np.arange(0.5, 0.96, 0.05),
                                        2).tolist())
_TRACKER = 'qdtrack'


def _percent(values) -> np.ndarray:
    """TrackEval's fractions in percent, with its -1 ("undefined") as NaN."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(values < 0, np.nan, 100 * values)


def _summary(metric: dict, thresholds: np.ndarray, labels: List[str]) -> dict:
    """AP/AR per label, averaged over thresholds, plus AP50 and AP75."""
    out = {}
    for lbl in labels:
        suffix = '' if lbl == 'all' else '_' + lbl
        for kind in ('AP', 'AR'):
            values = _percent(metric[f'{kind}_{lbl}'])
            out[kind + suffix] = float(np.mean(values))
            if lbl == 'all':
                for thr in (0.5, 0.75):
                    hit = np.flatnonzero(np.isclose(thresholds, thr))
                    if len(hit):
                        out[f'{kind}{int(round(thr * 100))}'] = float(
                            values[hit[0]])
    return out


def tao_track_map(gt: Union[str, dict],
                  results: Union[str, List[dict]],
                  iou_thresholds: Optional[Sequence[float]] = None,
                  area_ranges: bool = True,
                  time_ranges: bool = True,
                  max_dets_per_image: int = 300,
                  verbose: bool = False) -> dict:
    """Score tracking results with TAO's Track mAP, computed by TrackEval.

    Args:
        gt (str | dict): Ground truth, CocoVID or TAO JSON (file or dict).
        results (str | list[dict]): TAO results (file or records), see
            :mod:`qdtrack.evaluation.writers.tao`.
        iou_thresholds (Sequence[float], optional): Track IoU thresholds.
            Defaults to 0.50:0.05:0.95.
        area_ranges (bool): Also score small / medium / large tracks (by
            mean box area, TAO's ranges 32^2 and 96^2). Defaults to True.
        time_ranges (bool): Also score short / medium / long tracks (by
            number of labelled frames, TAO's ranges 3 and 10).
            Defaults to True.
        max_dets_per_image (int): Predictions kept per image, highest scores
            first (TAO's rule); 0 keeps all. Defaults to 300.
        verbose (bool): Let TrackEval print its configuration and tables.
            Defaults to False.

    Returns:
        dict: In percent, class-averaged: ``AP`` and ``AR`` (mean over the
        thresholds), ``AP50``/``AR50`` and ``AP75``/``AR75`` (when those
        thresholds are used), the same means per range (``AP_area_s``,
        ``AR_time_l``, ...); ``per_class`` (class name -> ``AP``, ``AP50``,
        ...); ``curves`` (``iou_thresholds`` and per-threshold ``AP``,
        ``AR``); ``num_classes``. Undefined values are NaN.
    """
    from trackeval import Evaluator
    from trackeval.datasets import TAO
    from trackeval.metrics import TrackMAP

    gt, results = load_tao_gt_and_results(gt, results)
    results = renumber_tracks(results)
    tao_gt = cocovid_to_tao(gt)
    if not tao_gt['annotations']:
        raise ValueError('the ground truth has no annotations: Track mAP is '
                         'undefined')
    thresholds = np.asarray(
        DEFAULT_IOU_THRESHOLDS if iou_thresholds is None else iou_thresholds,
        dtype=np.float64)

    with tempfile.TemporaryDirectory(prefix='tao_track_map_') as tmp:
        gt_dir = osp.join(tmp, 'gt')
        trackers_dir = osp.join(tmp, 'trackers')
        atomic_write_json(osp.join(gt_dir, 'gt.json'), tao_gt, indent=None)
        atomic_write_json(
            osp.join(trackers_dir, _TRACKER, 'data', 'results.json'),
            results,
            indent=None)
        eval_config = quiet_eval_config(
            verbose, PRINT_ONLY_COMBINED=True, OUTPUT_EMPTY_CLASSES=False)
        dataset_config = dict(
            GT_FOLDER=gt_dir,
            TRACKERS_FOLDER=trackers_dir,
            OUTPUT_FOLDER=osp.join(tmp, 'output'),
            TRACKERS_TO_EVAL=[_TRACKER],
            PRINT_CONFIG=verbose,
            MAX_DETECTIONS=int(max_dets_per_image))
        metric_config = dict(
            USE_AREA_RANGES=area_ranges,
            USE_TIME_RANGES=time_ranges,
            IOU_THRESHOLDS=thresholds,
            MAX_DETECTIONS=0,
            PRINT_CONFIG=verbose)
        stream = contextlib.nullcontext() if verbose else (
            contextlib.redirect_stdout(io.StringIO()))
        with stream:
            metric = TrackMAP(metric_config)
            output, messages = Evaluator(eval_config).evaluate(
                [TAO(dataset_config)], [metric])
    if messages['TAO'][_TRACKER] != 'Success':
        raise RuntimeError(
            f'TrackEval failed: {messages["TAO"][_TRACKER]}')
    combined = output['TAO'][_TRACKER]['COMBINED_SEQ']
    summary = _summary(combined['cls_comb_cls_av']['TrackMAP'], thresholds,
                       metric.lbls)
    per_class = {}
    for key, value in combined.items():
        if key in ('cls_comb_cls_av', 'cls_comb_det_av', 'all'):
            continue
        per_class[key] = _summary(value['TrackMAP'], thresholds, ['all'])
    av = combined['cls_comb_cls_av']['TrackMAP']
    summary.update(
        per_class=per_class,
        curves=dict(
            iou_thresholds=thresholds.tolist(),
            AP=_percent(av['AP_all']).tolist(),
            AR=_percent(av['AR_all']).tolist()),
        num_classes=len(per_class))
    return summary
