"""BDD100K box tracking evaluation with the official rules.

CLEAR MOT and ID metrics follow the official toolkit (bdd100k 1.0.1 on
scalabel 0.3.1, which scores with py-motmetrics 1.4.0); this is an
independent implementation of those rules with numpy and scipy's Hungarian
solver. HOTA comes from TrackEval's ``BDD100K`` dataset.

Rules, per video and class:

- categories are mapped as in :mod:`qdtrack.datasets.bdd100k`; crowd boxes
  and ignored classes of the ground truth are ignore regions of every class;
  crowd/ignored predictions are dropped;
- boxes are ``x2 - x1 + 1`` wide (scalabel ``box2d_to_bbox``) for IoU and
  for the ignore test;
- a prediction pairs with a ground-truth box of its class when IoU >= 0.5;
- in frames with ignore regions, predictions left unmatched by a min-cost
  assignment on 1 - IoU and covered by more than half their area by an
  ignore region are removed;
- frame by frame, pairs matched in the previous frame are kept while their
  IoU allows, the rest is assigned by minimum total 1 - IoU; a ground-truth
  track matched to another prediction id than before counts one IDSW;
- IDF1 uses the global min-cost identity assignment per video and class;
  MT / ML: tracked in >= 80 % / < 20 % of the frames an object appears.

Per class the videos are pooled (sums of counts). ``AVERAGE`` holds the
mean over the 8 classes of every rate (MOTA, MOTP, IDF1), with NaN and
infinite values - classes without ground truth - counted as 0, and the sum
of every count. ``OVERALL`` pools all 8 classes; super-categories pool their
members. Rates are in percent.
"""
import contextlib
import io
import json
import logging
import os
import os.path as osp
import tempfile
from collections import Counter, defaultdict
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import print_log
from scipy.optimize import linear_sum_assignment
from tqdm import tqdm

from qdtrack.datasets.bdd100k import (
    BDD100K_CLASSES,
    BDD100K_SUPER_CLASSES,
    ScalabelFormatError,
    ScalabelFrame,
    group_frames_by_video,
    load_scalabel_frames,
)

from .trackeval_config import quiet_eval_config

RATE_METRICS = ('MOTA', 'MOTP', 'IDF1')
COUNT_METRICS = ('FP', 'FN', 'IDSw', 'MT', 'PT', 'ML', 'FM')
FramesLike = Union[str, Sequence[ScalabelFrame]]


# ---------------------------------------------------------------- geometry
def scalabel_xywh(boxes: np.ndarray) -> np.ndarray:
    """Inclusive corners to ``x, y, w, h`` with the toolkit's ``+ 1``.

    Args:
        boxes (np.ndarray): (N, 4) ``x1, y1, x2, y2``.

    Returns:
        np.ndarray: (N, 4) ``x1, y1, x2 - x1 + 1, y2 - y1 + 1``.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    out = boxes.copy()
    out[:, 2:] = boxes[:, 2:] - boxes[:, :2] + 1
    return out


def iou_distance(gts: np.ndarray, preds: np.ndarray,
                 iou_thr: float = 0.5) -> np.ndarray:
    """``1 - IoU`` of ``x, y, w, h`` boxes, NaN where IoU is too small.

    Args:
        gts (np.ndarray): (N, 4) ground-truth boxes ``x, y, w, h``.
        preds (np.ndarray): (M, 4) predicted boxes ``x, y, w, h``.
        iou_thr (float): Smallest IoU of a valid pair. Defaults to 0.5.

    Returns:
        np.ndarray: (N, M) distances; NaN marks pairs that may not match.
    """
    if len(gts) == 0 or len(preds) == 0:
        return np.full((len(gts), len(preds)), np.nan)
    a_min, b_min = gts[:, None, :2], preds[None, :, :2]
    a_max, b_max = a_min + gts[:, None, 2:], b_min + preds[None, :, 2:]
    inter = np.prod(
        np.maximum(np.minimum(a_max, b_max) - np.maximum(a_min, b_min), 0),
        axis=-1)
    a_vol = np.prod(np.maximum(a_max - a_min, 0), axis=-1)
    b_vol = np.prod(np.maximum(b_max - b_min, 0), axis=-1)
    with np.errstate(divide='ignore', invalid='ignore'):
        iou = np.where(inter == 0, 0.0, inter / (a_vol + b_vol - inter))
    dist = 1 - iou
    return np.where(dist > 1 - iou_thr, np.nan, dist)


def intersection_over_area(preds: np.ndarray,
                           regions: np.ndarray) -> np.ndarray:
    """Share of each prediction's area inside each region.

    Args:
        preds (np.ndarray): (M, 4) boxes ``x, y, w, h``.
        regions (np.ndarray): (K, 4) boxes ``x, y, w, h``.

    Returns:
        np.ndarray: (M, K) intersection / prediction area (0 for an empty
        prediction).
    """
    w = (np.minimum(preds[:, None, 0] + preds[:, None, 2],
                    regions[None, :, 0] + regions[None, :, 2]) -
         np.maximum(preds[:, None, 0], regions[None, :, 0]))
    h = (np.minimum(preds[:, None, 1] + preds[:, None, 3],
                    regions[None, :, 1] + regions[None, :, 3]) -
         np.maximum(preds[:, None, 1], regions[None, :, 1]))
    area = (preds[:, 2] * preds[:, 3])[:, None]
    inter = np.maximum(w, 0) * np.maximum(h, 0)
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(area != 0, inter / area, 0.0)


def min_cost_matching(dist: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Minimum-cost assignment where NaN entries may not be paired.

    Invalid entries get a cost so large that a solution using one is worse
    than any solution using only valid ones, which maximises the number of
    valid pairs first (py-motmetrics' rule for scipy).

    Args:
        dist (np.ndarray): (N, M) costs, NaN for forbidden pairs.

    Returns:
        tuple[np.ndarray]: Row and column indices of the valid pairs.
    """
    valid = np.isfinite(dist)
    if not valid.any():
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    if valid.all():
        costs = dist
    else:
        big = 2 * min(dist.shape) * (np.abs(dist[valid]).max() + 1) + 1
        costs = np.where(valid, dist, big)
    rows, cols = linear_sum_assignment(costs)
    keep = valid[rows, cols]
    return rows[keep], cols[keep]


# ------------------------------------------------------------ accumulator
class ClearMotAccumulator:
    """CLEAR MOT and identity counts of one class in one video.

    Call :meth:`update` once per frame in which the class has ground truth
    or predictions.

    Attributes:
        switches (list[tuple]): One ``(frame_id, object id, previous
            prediction id, new prediction id)`` per identity switch, in
            order (``frame_id`` as given to :meth:`update`).
    """

    def __init__(self) -> None:
        self.switches: List[Tuple[Optional[int], int, int, int]] = []
        self.prev_match: Dict[int, int] = {}
        self.num_objects = 0
        self.num_predictions = 0
        self.fp = 0
        self.fn = 0
        self.idsw = 0
        self.num_detections = 0
        self.dist_sum = 0.0
        self.obj_states: Dict[int, List[bool]] = defaultdict(list)
        self.obj_frames: Counter = Counter()
        self.pair_hits: Counter = Counter()

    def update(self, oids: np.ndarray, hids: np.ndarray,
               dist: np.ndarray, frame_id: Optional[int] = None) -> None:
        """Add one frame.

        Args:
            oids (np.ndarray): (N,) ground-truth track ids.
            hids (np.ndarray): (M,) predicted track ids.
            dist (np.ndarray): (N, M) ``1 - IoU``, NaN for forbidden pairs.
            frame_id (int, optional): The frame, recorded in
                :attr:`switches`. Defaults to None.
        """
        n, m = len(oids), len(hids)
        self.num_objects += n
        self.num_predictions += m
        oid_list, hid_list = oids.tolist(), hids.tolist()
        self.obj_frames.update(set(oid_list))
        rows, cols = np.nonzero(np.isfinite(dist))
        self.pair_hits.update(zip(oids[rows].tolist(), hids[cols].tolist()))
        o_done = np.zeros(n, dtype=bool)
        h_done = np.zeros(m, dtype=bool)
        if n and m:
            # 1. keep last frame's pairs where still allowed: the first
            # free prediction with the previous id, if its IoU allows
            cols_of: Dict[int, List[int]] = {}
            for j, h in enumerate(hid_list):
                cols_of.setdefault(h, []).append(j)
            for i, o in enumerate(oid_list):
                if o not in self.prev_match:
                    continue
                free = [j for j in cols_of.get(self.prev_match[o], ())
                        if not h_done[j]]
                if free and np.isfinite(dist[i, free[0]]):
                    self._match(oid_list, hid_list, dist, i, free[0], False)
                    o_done[i] = h_done[free[0]] = True
            # 2. min-cost assignment of the rest
            dist_rest = dist.copy()
            dist_rest[o_done, :] = np.nan
            dist_rest[:, h_done] = np.nan
            for i, j in zip(*min_cost_matching(dist_rest)):
                o = oid_list[i]
                switch = (o in self.prev_match
                          and self.prev_match[o] != hid_list[j])
                if switch:
                    self.switches.append(
                        (frame_id, int(o), int(self.prev_match[o]),
                         int(hid_list[j])))
                self._match(oid_list, hid_list, dist, i, j, switch)
                o_done[i] = h_done[j] = True
        for i in np.nonzero(~o_done)[0].tolist():
            self.obj_states[oid_list[i]].append(False)
        self.fn += int((~o_done).sum())
        self.fp += int((~h_done).sum())

    def _match(self, oids, hids, dist, i, j, switch) -> None:
        self.prev_match[oids[i]] = hids[j]
        self.obj_states[oids[i]].append(True)
        self.idsw += int(switch)
        self.num_detections += 1
        self.dist_sum += dist[i, j]

    def summary(self) -> Dict[str, Union[int, float]]:
        """Counts of the video, ready to be summed over videos.

        Returns:
            dict: ``FP, FN, IDSw, MT, PT, ML, FM`` (int), ``num_objects``,
            ``num_predictions``, ``num_detections``, ``idtp`` (int) and
            ``dist_sum`` (float, sum of ``1 - IoU`` over matches).
        """
        mt = pt = ml = fm = 0
        for states in self.obj_states.values():
            ratio = sum(states) / len(states)
            mt += ratio >= 0.8
            ml += ratio < 0.2
            pt += 0.2 <= ratio < 0.8
            tracked = np.nonzero(states)[0]
            if len(tracked):
                span = states[tracked[0]:tracked[-1] + 1]
                fm += sum(a and not b for a, b in zip(span, span[1:]))
        return dict(
            FP=self.fp, FN=self.fn, IDSw=self.idsw, MT=int(mt), PT=int(pt),
            ML=int(ml), FM=int(fm), num_objects=self.num_objects,
            num_predictions=self.num_predictions,
            num_detections=self.num_detections, idtp=self._idtp(),
            dist_sum=self.dist_sum)

    def _idtp(self) -> int:
        """Identity true positives of the best global id assignment."""
        best = 0
        if self.pair_hits:
            best = self._best_id_hits()
        # py-motmetrics: idtp = num_objects - (sum of per-id frame counts -
        # best), identical to ``best`` unless ids repeat within a frame.
        return self.num_objects - (sum(self.obj_frames.values()) - best)

    def _best_id_hits(self) -> int:
        """Most frame-wise hits of a one-to-one id assignment."""
        oids = sorted({o for o, _ in self.pair_hits})
        hids = sorted({h for _, h in self.pair_hits})
        o_idx = {o: i for i, o in enumerate(oids)}
        h_idx = {h: i for i, h in enumerate(hids)}
        hits = np.zeros((len(oids), len(hids)))
        for (o, h), count in self.pair_hits.items():
            hits[o_idx[o], h_idx[h]] = count
        rows, cols = linear_sum_assignment(hits, maximize=True)
        return int(hits[rows, cols].sum())


def _quiet_divide(a: float, b: float) -> float:
    with np.errstate(divide='ignore', invalid='ignore'):
        return float(np.true_divide(a, b))


def finalize_counts(counts: Dict[str, Union[int, float]]
                    ) -> Dict[str, Union[int, float]]:
    """Turn summed counts into metrics (rates in percent).

    Args:
        counts (dict): Sums of :meth:`ClearMotAccumulator.summary` values.

    Returns:
        dict: ``MOTA``, ``MOTP``, ``IDF1`` (float, percent; NaN or -inf
        without ground truth) and the counts of :data:`COUNT_METRICS`.
    """
    num_obj = counts['num_objects']
    mota = 1.0 - _quiet_divide(counts['FN'] + counts['IDSw'] + counts['FP'],
                               num_obj)
    motp = 1.0 - _quiet_divide(counts['dist_sum'], counts['num_detections'])
    idf1 = _quiet_divide(2 * counts['idtp'],
                         num_obj + counts['num_predictions'])
    out: Dict[str, Union[int, float]] = dict(
        MOTA=100 * mota, MOTP=100 * motp, IDF1=100 * idf1)
    out.update({k: int(counts[k]) for k in COUNT_METRICS})
    return out


# ------------------------------------------------------------ evaluation
def _as_videos(frames: FramesLike, progress: bool
               ) -> Dict[str, List[ScalabelFrame]]:
    if isinstance(frames, (str, os.PathLike)):
        frames = load_scalabel_frames(str(frames), progress=progress)
    return group_frames_by_video(frames)


def _gt_id_map(video: List[ScalabelFrame]) -> Dict[str, int]:
    """Ground-truth ids as ints: ``int(id)``, or ranks if any is not digits.

    The toolkit (scalabel ``label_ids_to_int``) does the same per video.
    """
    ids = {lab.id for f in video for lab in f.labels}
    if all(i.isdigit() for i in ids):
        return {i: int(i) for i in ids}
    return {i: r + 1 for r, i in enumerate(sorted(ids))}


def _mapped_id(label, frame: ScalabelFrame, ids: Dict[str, int]) -> int:
    return ids[label.id]


def _pred_id(label, frame: ScalabelFrame) -> int:
    try:
        return int(label.id)
    except ValueError:
        raise ScalabelFormatError(
            f'{frame.source}: frame {frame.name} of video {frame.video_name}:'
            f' predicted track id {label.id!r} is not an integer') from None


def align_predictions(
    gt_videos: Dict[str, List[ScalabelFrame]],
    pred_videos: Dict[str, List[ScalabelFrame]],
) -> Dict[str, List[Optional[ScalabelFrame]]]:
    """Predicted frame for every ground-truth frame (None where missing).

    Args:
        gt_videos (dict): Video name to sorted ground-truth frames.
        pred_videos (dict): Video name to sorted predicted frames.

    Returns:
        dict[str, list[ScalabelFrame | None]]: Per video, aligned with the
        ground-truth frames.

    Raises:
        ScalabelFormatError: A predicted video or frame is not in the
            ground truth.
    """
    aligned = {}
    missing = [v for v in gt_videos if v not in pred_videos]
    if missing:
        print_log(f'BDD100K evaluation: no predictions for {len(missing)} '
                  f'video(s), e.g. {missing[:3]}; scored as empty',
                  logger='current', level=logging.WARNING)
    for name, preds in pred_videos.items():
        if name not in gt_videos:
            raise ScalabelFormatError(
                f'{preds[0].source}: video {name!r} is not in the ground '
                'truth')
    for name, gts in gt_videos.items():
        by_index = {f.frame_index: f for f in pred_videos.get(name, [])}
        gt_index = {f.frame_index for f in gts}
        extra = sorted(set(by_index) - gt_index)
        if extra:
            frame = by_index[extra[0]]
            raise ScalabelFormatError(
                f'{frame.source}: frame {frame.name} (frameIndex '
                f'{frame.frame_index}) of video {name!r} is not in the '
                'ground truth')
        aligned[name] = [by_index.get(f.frame_index) for f in gts]
    return aligned


def _video_labels(frames: Sequence[Optional[ScalabelFrame]], id_of,
                  classes: Sequence[str]):
    """All labels of a video as flat arrays, in frame order.

    Returns:
        tuple: ``starts`` (T + 1,) offsets of each frame's boxes in
        ``boxes`` (B, 4, ``x, y, w, h``), ``cls`` (B,) and ``ids`` (B,);
        ``ign_starts`` (T + 1,) offsets into ``ignores`` (K, 4).
    """
    class_index = {c: k for k, c in enumerate(classes)}
    boxes, cls, ids, ignores = [], [], [], []
    starts, ign_starts = [0], [0]
    for frame in frames:
        for lab in frame.labels if frame is not None else ():
            if lab.is_ignore:
                ignores.append(lab.box)
            elif lab.category in class_index:
                boxes.append(lab.box)
                cls.append(class_index[lab.category])
                ids.append(id_of(lab, frame))
        starts.append(len(boxes))
        ign_starts.append(len(ignores))
    return (np.array(starts), scalabel_xywh(np.array(boxes).reshape(-1, 4)),
            np.array(cls, dtype=int), np.array(ids, dtype=np.int64),
            np.array(ign_starts),
            scalabel_xywh(np.array(ignores).reshape(-1, 4)))


def accumulate_video(gts: List[ScalabelFrame],
                     preds: List[Optional[ScalabelFrame]],
                     classes: Sequence[str] = BDD100K_CLASSES,
                     iou_thr: float = 0.5,
                     ignore_iof_thr: float = 0.5
                     ) -> List[ClearMotAccumulator]:
    """Per-class accumulators of one video.

    The labels are parsed once per video and the IoU and ignore-region
    overlaps computed once per frame for all classes, then split by class
    (each value is computed from the same two boxes as a per-class matrix
    would be, so the results are bit-identical).

    Args:
        gts (list[ScalabelFrame]): Ground-truth frames in order.
        preds (list[ScalabelFrame | None]): Aligned predicted frames.
        classes (Sequence[str]): Evaluated classes.
        iou_thr (float): Smallest IoU of a match. Defaults to 0.5.
        ignore_iof_thr (float): An unmatched prediction more than this
            share inside an ignore region is removed. Defaults to 0.5.

    Returns:
        list[ClearMotAccumulator]: One per class.
    """
    gt_ids = _gt_id_map(gts)
    g_starts, g_box, g_cls, g_id, i_starts, g_ign = _video_labels(
        gts, lambda lab, frame: gt_ids[lab.id], classes)
    p_starts, p_box, p_cls, p_id, _, _ = _video_labels(
        preds, _pred_id, classes)
    accs = [ClearMotAccumulator() for _ in classes]
    for t in range(len(gts)):
        g = slice(g_starts[t], g_starts[t + 1])
        p = slice(p_starts[t], p_starts[t + 1])
        if g.start == g.stop and p.start == p.stop:
            continue
        frame_dist = iou_distance(g_box[g], p_box[p], iou_thr)
        ignores = g_ign[i_starts[t]:i_starts[t + 1]]
        if len(ignores):
            frame_inside = (intersection_over_area(p_box[p], ignores) >
                            ignore_iof_thr).any(axis=1)
        fg_cls, fp_cls = g_cls[g], p_cls[p]
        for c in np.unique(np.concatenate([fg_cls, fp_cls])).tolist():
            gm, pm = fg_cls == c, fp_cls == c
            dist = frame_dist[np.ix_(gm, pm)]
            hids = p_id[p][pm]
            if len(ignores):
                unmatched = np.ones(len(hids), dtype=bool)
                unmatched[min_cost_matching(dist)[1]] = False
                keep = ~(unmatched & frame_inside[pm])
                hids, dist = hids[keep], dist[:, keep]
            if dist.shape != (0, 0):
                accs[c].update(g_id[g][gm], hids, dist)
    return accs


def _sum_counts(summaries: List[dict]) -> dict:
    keys = COUNT_METRICS + ('num_objects', 'num_predictions',
                            'num_detections', 'idtp', 'dist_sum')
    return {k: sum(s[k] for s in summaries) for k in keys}


def evaluate_bdd100k_mot(gt: FramesLike,
                         results: FramesLike,
                         iou_thr: float = 0.5,
                         ignore_iof_thr: float = 0.5,
                         progress: bool = True) -> dict:
    """CLEAR MOT and IDF1 of BDD100K box tracking, official rules.

    Args:
        gt (str | Sequence[ScalabelFrame]): Ground truth: a scalabel JSON
            file, a folder of them (one per video), or loaded frames.
        results (str | Sequence[ScalabelFrame]): Predictions, same forms.
            Videos missing from the results score as empty (with a
            warning); predicted frames not in the ground truth are an error.
        iou_thr (float): Smallest IoU of a match. Defaults to 0.5.
        ignore_iof_thr (float): Unmatched predictions inside ignore regions
            by more than this share are removed. Defaults to 0.5.
        progress (bool): Show progress bars. Defaults to True.

    Returns:
        dict: ``'per_class'`` maps each of the 8 classes, ``human``,
        ``vehicle``, ``bike``, ``AVERAGE`` and ``OVERALL`` to
        ``{MOTA, MOTP, IDF1, FP, FN, IDSw, MT, PT, ML, FM}``; ``mMOTA``,
        ``mMOTP``, ``mIDF1`` are the ``AVERAGE`` rates.
    """
    gt_videos = _as_videos(gt, progress)
    aligned = align_predictions(gt_videos, _as_videos(results, progress))
    per_class: Dict[str, List[dict]] = {c: [] for c in BDD100K_CLASSES}
    for name in tqdm(gt_videos, desc='BDD100K MOT', disable=not progress):
        accs = accumulate_video(gt_videos[name], aligned[name],
                                BDD100K_CLASSES, iou_thr, ignore_iof_thr)
        for cls, acc in zip(BDD100K_CLASSES, accs):
            per_class[cls].append(acc.summary())
    class_counts = {c: _sum_counts(s) for c, s in per_class.items()}
    table = {c: finalize_counts(v) for c, v in class_counts.items()}
    for sup, members in BDD100K_SUPER_CLASSES.items():
        table[sup] = finalize_counts(
            _sum_counts([class_counts[c] for c in members]))
    average: Dict[str, Union[int, float]] = {}
    for key in RATE_METRICS:
        values = np.array([table[c][key] for c in BDD100K_CLASSES])
        average[key] = float(
            np.nan_to_num(values, nan=0, posinf=0, neginf=0).mean())
    for key in COUNT_METRICS:
        average[key] = int(sum(table[c][key] for c in BDD100K_CLASSES))
    table['AVERAGE'] = average
    table['OVERALL'] = finalize_counts(
        _sum_counts(list(class_counts.values())))
    return dict(per_class=table, mMOTA=average['MOTA'],
                mMOTP=average['MOTP'], mIDF1=average['IDF1'])


# -------------------------------------------------------------------- HOTA
def _trackeval_frames(frames: Sequence[Optional[ScalabelFrame]],
                      gt_frames: Sequence[ScalabelFrame], id_of,
                      is_gt: bool) -> List[dict]:
    """Frames of one video in the layout TrackEval's BDD100K loader reads.

    It wants ``index`` (not ``frameIndex``), ``attributes.Crowd`` (not
    ``crowd``), one entry per ground-truth frame and small non-negative
    integer ids (it sizes arrays by the largest id): ids are renumbered
    0, 1, ... per video, keeping identities.
    """
    compact: Dict[int, int] = {}
    out = []
    for frame, gt in zip(frames, gt_frames):
        labels = []
        for lab in frame.labels if frame is not None else []:
            if lab.is_ignore and not is_gt:
                continue  # dropped, as by the official toolkit
            track = -1
            if not lab.is_ignore:
                track = compact.setdefault(id_of(lab, frame), len(compact))
            x1, y1, x2, y2 = lab.box
            labels.append(dict(
                id=track, category=lab.category,
                attributes=dict(Crowd=lab.is_ignore),
                box2d=dict(x1=x1, y1=y1, x2=x2, y2=y2)))
        out.append(dict(name=gt.name, index=gt.frame_index, labels=labels))
    return out


def compute_bdd100k_hota(gt: FramesLike,
                         results: FramesLike,
                         work_dir: Optional[str] = None,
                         progress: bool = True) -> dict:
    """HOTA, DetA and AssA by TrackEval's ``BDD100K`` dataset.

    The frames are written in the layout that loader expects into a
    temporary folder (TrackEval itself is used unchanged).

    Args:
        gt (str | Sequence[ScalabelFrame]): Ground truth (see
            :func:`evaluate_bdd100k_mot`).
        results (str | Sequence[ScalabelFrame]): Predictions.
        work_dir (str, optional): Keep the converted files here instead of
            a temporary folder. Defaults to None.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: ``HOTA``, ``DetA``, ``AssA`` (percent), each mapping the 8
        classes, ``human``, ``vehicle``, ``bike``, ``AVERAGE`` (class mean,
        classes without boxes count 0) and ``OVERALL`` (pooled) to a value.
    """
    import trackeval

    gt_videos = _as_videos(gt, progress)
    aligned = align_predictions(gt_videos, _as_videos(results, progress))
    with contextlib.ExitStack() as stack:
        if work_dir is None:
            work_dir = stack.enter_context(tempfile.TemporaryDirectory())
        gt_dir = osp.join(work_dir, 'gt')
        res_dir = osp.join(work_dir, 'trackers', 'qdtrack', 'data')
        os.makedirs(gt_dir, exist_ok=True)
        os.makedirs(res_dir, exist_ok=True)
        for name, gts in gt_videos.items():
            ids = _gt_id_map(gts)
            for folder, frames, id_of, is_gt in (
                (gt_dir, gts, partial(_mapped_id, ids=ids), True),
                (res_dir, aligned[name], _pred_id, False),
            ):
                # json.dumps, not json.dump: dump streams through the
                # pure-Python encoder, dumps uses the C one (same text,
                # a third of the HOTA time at BDD100K val size)
                with open(osp.join(folder, name + '.json'), 'w') as f:
                    f.write(json.dumps(
                        _trackeval_frames(frames, gts, id_of, is_gt)))
        dataset = trackeval.datasets.BDD100K(dict(
            GT_FOLDER=gt_dir, TRACKERS_FOLDER=osp.dirname(
                osp.dirname(res_dir)), TRACKERS_TO_EVAL=['qdtrack'],
            OUTPUT_FOLDER=osp.join(work_dir, 'out'), PRINT_CONFIG=False))
        evaluator = trackeval.Evaluator(quiet_eval_config())
        with contextlib.redirect_stdout(io.StringIO()):
            res, _ = evaluator.evaluate(
                [dataset], [trackeval.metrics.HOTA()],
                show_progressbar=progress)
    combined = res['BDD100K']['qdtrack']['COMBINED_SEQ']
    keys = dict(AVERAGE='cls_comb_cls_av', OVERALL='cls_comb_det_av',
                human='HUMAN', vehicle='VEHICLE', bike='BIKE')
    keys.update({c: c for c in BDD100K_CLASSES})
    return {
        field: {
            name: float(100 * np.mean(combined[key]['HOTA'][field]))
            for name, key in keys.items()
        }
        for field in ('HOTA', 'DetA', 'AssA')
    }


def format_bdd100k_table(result: dict,
                         hota: Optional[dict] = None) -> str:
    """Plain-text table of :func:`evaluate_bdd100k_mot` (and HOTA) results.

    Args:
        result (dict): Output of :func:`evaluate_bdd100k_mot`.
        hota (dict, optional): Output of :func:`compute_bdd100k_hota`.

    Returns:
        str: One row per class, super-category, AVERAGE and OVERALL.
    """
    cols = list(RATE_METRICS) + list(COUNT_METRICS)
    head = ['class'] + (['HOTA'] if hota else []) + cols
    lines = ['  '.join(f'{h:>10}' for h in head)]
    for name, row in result['per_class'].items():
        cells = [f'{name:>10}']
        if hota:
            cells.append(f'{hota["HOTA"][name]:10.2f}')
        cells += [f'{row[k]:10.2f}' if k in RATE_METRICS else
                  f'{row[k]:10d}' for k in cols]
        lines.append('  '.join(cells))
    return '\n'.join(lines)
