"""TETA: Track Every Thing Accuracy.

Li et al., "Tracking Every Thing in the Wild", ECCV 2022. TETA splits
tracking quality into three parts, each scored per class and then averaged
over classes:

- **LocA** (localisation): ``TP / (TP + FN + FP)`` of boxes, regardless of
  the predicted class.
- **AssocA** (association): over the true-positive box matches, the mean of
  ``TPA / (TPA + FNA + FPA)`` of the matched ground-truth / predicted track
  pair (as HOTA's AssA).
- **ClsA** (classification): ``TPC / (TPC + FNC + FPC)`` over the matched
  boxes: a match is a TPC when the predicted class is the ground truth's,
  an FNC otherwise, and then also an FPC of the predicted class.

``TETA = (LocA + AssocA + ClsA) / 3``.

**Local clusters.** TAO is not labelled exhaustively, so a prediction
away from every labelled object cannot be called a false positive. Each
ground-truth box anchors a cluster holding the predictions whose IoU with it
is at least ``cluster_iou`` (0.5). For class ``c`` only predictions inside a
cluster of a class-``c`` box count as localisation false positives; the
whole predicted track of every such prediction (of any predicted class)
takes part in matching and association. Predictions outside every cluster
are ignored, wherever they are: in TAO's protocol the videos'
``neg_category_ids`` and ``not_exhaustive_category_ids`` therefore change
nothing. A prediction that sits in clusters of several classes belongs to
the class of the ground truth it is matched to by a class-agnostic matching
at ``cluster_iou`` over all ground truth of the frame.

**Thresholds**, as the authors' evaluation code defines them: box matches
are taken at every localisation threshold ``alpha`` in 0.00, 0.05, ...,
0.95 (20 values, ``sim >= alpha``); LocA and AssocA are averaged over all of
them, ClsA over those of at least 0.5. Matching is the Hungarian algorithm
on ``global alignment score x IoU`` as in HOTA. The classes evaluated are
those with ground truth.

**Frames without labels.** As in the authors' code (SysCV/tet,
``teta/datasets/tao.py``), only the frames holding at least one box are
evaluated: the predictions in labelled frames without any box are dropped
(``skip_empty_frames=True``, the default). With ``skip_empty_frames=False``
every image of the ground truth counts, including those without boxes: a
predicted track that continues into such a frame is then penalised in
association like anywhere else (a stricter reading of "labelled frame").
``tests/evaluation/test_teta_reference.py`` pins the authors' numbers on
hand cases and on the exported toy benchmark.

**Exhaustive extension** (``exhaustive=True``, not part of the TAO
protocol, for fully labelled data or to study false alarms): a prediction of
class ``c`` outside every cluster is also a classification false positive of
``c`` (at every threshold), in videos where ``c`` is labelled exhaustively:
listed in ``neg_category_ids``, or present and not in
``not_exhaustive_category_ids``. Videos without either list count as
exhaustive for every class.
"""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from scipy.optimize import linear_sum_assignment
from tqdm import tqdm

from qdtrack.datasets.tao import category_merge_map
from qdtrack.evaluation.writers.tao import load_tao_gt_and_results

__all__ = ['DEFAULT_ALPHAS', 'box_iou_xywh', 'teta']

EPS = np.finfo(float).eps
DEFAULT_ALPHAS = tuple(np.round(np.arange(20) * 0.05, 2).tolist())
_FIELDS = ('TETA', 'LocA', 'AssocA', 'ClsA', 'LocRe', 'LocPr', 'AssocRe',
           'AssocPr', 'ClsRe', 'ClsPr')


def box_iou_xywh(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU between two sets of ``x, y, w, h`` boxes.

    Boxes without area overlap nothing (IoU 0).

    Args:
        boxes1 (np.ndarray): (N, 4) boxes.
        boxes2 (np.ndarray): (M, 4) boxes.

    Returns:
        np.ndarray: (N, M) IoU.
    """
    a = np.asarray(boxes1, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes2, dtype=np.float64).reshape(-1, 4)
    iw = (np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[:, 2]) -
          np.maximum(a[:, None, 0], b[None, :, 0])).clip(min=0)
    ih = (np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[:, 3]) -
          np.maximum(a[:, None, 1], b[None, :, 1])).clip(min=0)
    inter = iw * ih
    area_a, area_b = a[:, 2] * a[:, 3], b[:, 2] * b[:, 3]
    union = area_a[:, None] + area_b[None, :] - inter
    valid = (area_a[:, None] > EPS) & (area_b[None, :] > EPS) & (union > EPS)
    iou = np.zeros_like(inter)
    iou[valid] = inter[valid] / union[valid]
    return iou


class _Frame:
    """Ground truth and predictions of one frame, with their IoU.

    Attributes:
        gt_ids, gt_cls (np.ndarray): (N,) per-video track index and class.
        pr_ids, pr_cls (np.ndarray): (M,) per-video track index and class.
        iou (np.ndarray): (N, M).
    """

    __slots__ = ('gt_ids', 'gt_cls', 'pr_ids', 'pr_cls', 'iou')

    def __init__(self, gt_ids, gt_cls, gt_boxes, pr_ids, pr_cls, pr_boxes):
        self.gt_ids = np.asarray(gt_ids, dtype=np.int64)
        self.gt_cls = np.asarray(gt_cls, dtype=np.int64)
        self.pr_ids = np.asarray(pr_ids, dtype=np.int64)
        self.pr_cls = np.asarray(pr_cls, dtype=np.int64)
        self.iou = box_iou_xywh(gt_boxes, pr_boxes)


class _Counts:
    """Sums of one class over all videos, per threshold."""

    def __init__(self, num_alphas: int, num_cls_alphas: int):
        self.loc_tp = np.zeros(num_alphas)
        self.loc_fn = np.zeros(num_alphas)
        self.loc_fp = np.zeros(num_alphas)
        self.assoc = np.zeros(num_alphas)  # sum of TPA / (TPA+FNA+FPA)
        self.assoc_re = np.zeros(num_alphas)
        self.assoc_pr = np.zeros(num_alphas)
        self.cls_tp = np.zeros(num_cls_alphas)
        self.cls_fn = np.zeros(num_cls_alphas)
        self.cls_fp = np.zeros(num_cls_alphas)

    def scores(self) -> Dict[str, np.ndarray]:
        """Per-threshold fractions; ClsA-type entries are already means."""
        tp = self.loc_tp
        out = dict(
            LocA=tp / np.maximum(1, tp + self.loc_fn + self.loc_fp),
            LocRe=tp / np.maximum(1, tp + self.loc_fn),
            LocPr=tp / np.maximum(1, tp + self.loc_fp),
            AssocA=self.assoc / np.maximum(1, tp),
            AssocRe=self.assoc_re / np.maximum(1, tp),
            AssocPr=self.assoc_pr / np.maximum(1, tp))
        ctp = self.cls_tp
        out['ClsA'] = np.mean(
            ctp / np.maximum(1, ctp + self.cls_fn + self.cls_fp))
        out['ClsRe'] = np.mean(ctp / np.maximum(1, ctp + self.cls_fn))
        out['ClsPr'] = np.mean(ctp / np.maximum(1, ctp + self.cls_fp))
        out['TETA'] = (out['LocA'] + out['AssocA'] + out['ClsA']) / 3
        return out


def _alignment(gt_idx: List[np.ndarray], pr_idx: List[np.ndarray],
               sims: List[np.ndarray], num_gt: int, num_pr: int):
    """HOTA's global alignment score between ground-truth and predicted
    tracks.

    Args:
        gt_idx (list[np.ndarray]): Per frame, (N_t,) track indices.
        pr_idx (list[np.ndarray]): Per frame, (M_t,) track indices.
        sims (list[np.ndarray]): Per frame, (N_t, M_t) IoU.
        num_gt (int): Number of ground-truth tracks.
        num_pr (int): Number of predicted tracks.

    Returns:
        tuple: (num_gt, num_pr) alignment score, (num_gt,) and (num_pr,)
        numbers of boxes per track.
    """
    soft = np.zeros((num_gt, num_pr))
    gt_count = np.zeros(num_gt)
    pr_count = np.zeros(num_pr)
    for g, k, sim in zip(gt_idx, pr_idx, sims):
        gt_count[g] += 1
        pr_count[k] += 1
        if sim.size:
            denom = sim.sum(0, keepdims=True) + sim.sum(1, keepdims=True) - sim
            part = np.zeros_like(sim)
            ok = denom > EPS
            part[ok] = sim[ok] / denom[ok]
            soft[np.ix_(g, k)] += part
    score = soft / (gt_count[:, None] + pr_count[None, :] - soft)
    return score, gt_count, pr_count


def _hungarian(score: np.ndarray):
    """Rows and columns maximising ``score`` (may be empty)."""
    if score.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return linear_sum_assignment(-score)


def _class_agnostic_assignment(frames: List[_Frame], cluster_iou: float):
    """Match predictions to ground truth of any class at ``cluster_iou``.

    Returns:
        list[list[tuple[int, int]]]: Per frame, (ground-truth position in
        the frame, predicted track index) pairs.
    """
    keep = [np.zeros(0, dtype=np.int64)] * len(frames)
    for t, f in enumerate(frames):
        if f.iou.size:
            keep[t] = f.pr_ids[f.iou.max(0) >= cluster_iou]
    tracks = np.unique(np.concatenate(keep)) if frames else keep
    if len(tracks) == 0:
        return [[] for _ in frames]
    masks = [np.isin(f.pr_ids, tracks) for f in frames]
    gt_tracks = np.unique(np.concatenate([f.gt_ids for f in frames]))
    g_idx = [np.searchsorted(gt_tracks, f.gt_ids) for f in frames]
    k_idx = [
        np.searchsorted(tracks, f.pr_ids[m]) for f, m in zip(frames, masks)
    ]
    sims = [f.iou[:, m] for f, m in zip(frames, masks)]
    score, _, _ = _alignment(g_idx, k_idx, sims, len(gt_tracks), len(tracks))
    pairs = []
    for f, m, g, k, sim in zip(frames, masks, g_idx, k_idx, sims):
        rows, cols = _hungarian(score[np.ix_(g, k)] * sim)
        ok = sim[rows, cols] >= cluster_iou - EPS
        pairs.append(list(zip(rows[ok].tolist(),
                              f.pr_ids[m][cols[ok]].tolist())))
    return pairs


def _eval_class(frames: List[_Frame], pairs, cls: int, counts, classes,
                alphas: np.ndarray, cls_sel: np.ndarray,
                cluster_iou: float) -> None:
    """Add one class of one video to ``counts``."""
    acc = counts[cls]
    clusters = []  # per frame: predicted tracks inside class-cls clusters
    for f, frame_pairs in zip(frames, pairs):
        gm = f.gt_cls == cls
        if not gm.any() or not f.pr_ids.size:
            clusters.append(set())
            continue
        taken = {k for g, k in frame_pairs if f.gt_cls[g] != cls}
        inside = f.pr_ids[f.iou[gm].max(0) >= cluster_iou]
        clusters.append(set(inside.tolist()) - taken)
    num_gt = sum(int((f.gt_cls == cls).sum()) for f in frames)
    tracks = np.array(sorted(set().union(*clusters)), dtype=np.int64)
    if len(tracks) == 0:
        acc.loc_fn += num_gt
        return
    gmasks = [f.gt_cls == cls for f in frames]
    pmasks = [np.isin(f.pr_ids, tracks) for f in frames]
    gt_tracks = np.unique(np.concatenate(
        [f.gt_ids[m] for f, m in zip(frames, gmasks)]))
    g_idx = [np.searchsorted(gt_tracks, f.gt_ids[m])
             for f, m in zip(frames, gmasks)]
    k_idx = [np.searchsorted(tracks, f.pr_ids[m])
             for f, m in zip(frames, pmasks)]
    sims = [f.iou[gm][:, pm] for f, gm, pm in zip(frames, gmasks, pmasks)]
    score, gt_count, pr_count = _alignment(g_idx, k_idx, sims,
                                           len(gt_tracks), len(tracks))
    matches = np.zeros((len(alphas), len(gt_tracks), len(tracks)))
    for f, pm, g, k, sim, inside in zip(frames, pmasks, g_idx, k_idx, sims,
                                        clusters):
        if not len(g):
            continue
        rows, cols = _hungarian(score[np.ix_(g, k)] * sim)
        ok = sim[rows, cols][None, :] >= alphas[:, None] - EPS  # (A, L)
        num = ok.sum(1)
        acc.loc_tp += num
        acc.loc_fn += len(g) - num
        matched_ids = f.pr_ids[pm][cols]
        matched_cls = f.pr_cls[pm][cols]
        # matched tracks are distinct, so |inside - matched| is a difference
        in_cluster = np.isin(matched_ids, list(inside))
        acc.loc_fp += len(inside) - (ok & in_cluster).sum(1)
        matches[:, g[rows], k[cols]] += ok
        ok_cls = ok[cls_sel]
        right = matched_cls == cls
        acc.cls_tp += (ok_cls & right).sum(1)
        acc.cls_fn += (ok_cls & ~right).sum(1)
        for j in np.flatnonzero(~right):
            wrong = int(matched_cls[j])
            if wrong in classes:
                counts[wrong].cls_fp += ok_cls[:, j]
    gt_count, pr_count = gt_count[None, :, None], pr_count[None, None, :]
    sq = matches * matches
    acc.assoc += np.sum(
        sq / np.maximum(1, gt_count + pr_count - matches), axis=(1, 2))
    acc.assoc_re += np.sum(sq / np.maximum(1, gt_count), axis=(1, 2))
    acc.assoc_pr += np.sum(sq / np.maximum(1, pr_count), axis=(1, 2))


def _exhaustive_false_alarms(frames: List[_Frame], video: dict, counts,
                             classes, cluster_iou: float) -> None:
    """Count predictions outside every cluster as ClsA false positives."""
    present = set()
    for f in frames:
        present.update(f.gt_cls.tolist())
    if 'neg_category_ids' in video or 'not_exhaustive_category_ids' in video:
        neg = set(video.get('neg_category_ids') or [])
        nel = set(video.get('not_exhaustive_category_ids') or [])
        exhaustive = neg | (present - nel)
    else:
        exhaustive = set(classes)
    for f in frames:
        outside = np.ones(len(f.pr_ids), dtype=bool)
        if f.iou.size:
            outside = f.iou.max(0) < cluster_iou
        for cls in f.pr_cls[outside].tolist():
            if cls in exhaustive and cls in classes:
                counts[cls].cls_fp += 1


def _build_frames(gt: dict, results: List[dict], merge: Dict[int, int],
                  max_dets_per_image: int, skip_empty_frames: bool):
    """Group ground truth and results per video into :class:`_Frame`."""
    gt_by_img = defaultdict(list)
    for ann in gt['annotations']:
        if ann.get('ignore', 0) or ann.get('iscrowd', 0):
            continue
        gt_by_img[ann['image_id']].append(ann)
    pr_by_img = defaultdict(list)
    for rec in results:
        pr_by_img[rec['image_id']].append(rec)
    if max_dets_per_image > 0:
        for img_id, recs in pr_by_img.items():
            if len(recs) > max_dets_per_image:
                recs = sorted(recs, key=lambda r: r['score'], reverse=True)
                pr_by_img[img_id] = recs[:max_dets_per_image]
    images = defaultdict(list)
    for img in gt['images']:
        images[img['video_id']].append(img)
    videos = []
    for video in gt['videos']:
        imgs = sorted(images[video['id']], key=lambda i: i['frame_id'])
        gt_ids, pr_ids = {}, {}
        frames = []
        for img in imgs:
            anns, recs = gt_by_img[img['id']], pr_by_img[img['id']]
            if skip_empty_frames and not anns:
                continue
            frames.append(
                _Frame(
                    [gt_ids.setdefault(a['instance_id'], len(gt_ids))
                     for a in anns],
                    [merge.get(a['category_id'], a['category_id'])
                     for a in anns],
                    [a['bbox'] for a in anns],
                    [pr_ids.setdefault(r['track_id'], len(pr_ids))
                     for r in recs],
                    [merge.get(r['category_id'], r['category_id'])
                     for r in recs],
                    [r['bbox'] for r in recs]))
        videos.append((video, frames))
    return videos


def teta(gt: Union[str, dict],
         results: Union[str, List[dict]],
         cluster_iou: float = 0.5,
         alphas: Optional[Sequence[float]] = None,
         cls_min_alpha: float = 0.5,
         exhaustive: bool = False,
         max_dets_per_image: int = 300,
         skip_empty_frames: bool = True,
         progress: bool = True) -> dict:
    """Score tracking results with TETA.

    Args:
        gt (str | dict): Ground truth, CocoVID or TAO JSON (file or dict).
            Annotations flagged ``ignore``/``iscrowd`` are left out.
        results (str | list[dict]): TAO results (file or records), see
            :mod:`qdtrack.evaluation.writers.tao`.
        cluster_iou (float): IoU that puts a prediction in the local cluster
            of a ground-truth box. Defaults to 0.5.
        alphas (Sequence[float], optional): Localisation thresholds.
            Defaults to :data:`DEFAULT_ALPHAS` (0.00:0.05:0.95).
        cls_min_alpha (float): ClsA is averaged over the thresholds of at
            least this value. Defaults to 0.5.
        exhaustive (bool): Count predictions outside every cluster as
            classification false positives where the labels are exhaustive
            (see the module docstring). Defaults to False (TAO protocol).
        max_dets_per_image (int): Keep only this many highest-scoring
            predictions per image (TAO's rule); 0 keeps all. Defaults to 300.
        skip_empty_frames (bool): Leave out frames without ground truth, as
            the authors' code does (see the module docstring).
            Defaults to True.
        progress (bool): Show a progress bar over videos. Defaults to True.

    Returns:
        dict: ``TETA``, ``LocA``, ``AssocA``, ``ClsA``, ``LocRe``,
        ``LocPr``, ``AssocRe``, ``AssocPr``, ``ClsRe``, ``ClsPr`` in percent
        (class means, averaged over thresholds); ``per_class`` (class name
        -> the same fields); ``curves`` (``alphas`` and per-threshold class
        means of ``TETA``, ``LocA``, ``AssocA`` in percent); ``num_classes``.
        The scores are NaN when the ground truth has no box.
    """
    gt, results = load_tao_gt_and_results(gt, results)
    alphas = np.asarray(DEFAULT_ALPHAS if alphas is None else alphas,
                        dtype=np.float64)
    cls_sel = alphas >= cls_min_alpha - 1e-9
    if not cls_sel.any():
        raise ValueError(f'no threshold in {alphas.tolist()} reaches '
                         f'cls_min_alpha={cls_min_alpha}')
    merge = category_merge_map(gt['categories'])
    names = {c['id']: c['name'] for c in gt['categories']}
    classes = {
        merge.get(a['category_id'], a['category_id'])
        for a in gt['annotations']
        if not (a.get('ignore', 0) or a.get('iscrowd', 0))
    }
    counts = {c: _Counts(len(alphas), int(cls_sel.sum())) for c in classes}

    videos = _build_frames(gt, results, merge, max_dets_per_image,
                           skip_empty_frames)
    for video, frames in tqdm(
            videos, desc='TETA', unit='video', disable=not progress):
        pairs = _class_agnostic_assignment(frames, cluster_iou)
        present = sorted(
            set(np.concatenate([f.gt_cls for f in frames]).tolist())
            if frames else set())
        for cls in present:
            _eval_class(frames, pairs, cls, counts, classes, alphas, cls_sel,
                        cluster_iou)
        if exhaustive:
            _exhaustive_false_alarms(frames, video, counts, classes,
                                     cluster_iou)

    per_class_curves = {c: counts[c].scores() for c in sorted(classes)}
    out = {field: float('nan') for field in _FIELDS}
    per_class = {}
    for c, sc in per_class_curves.items():
        per_class[names.get(c, str(c))] = {
            field: 100 * float(np.mean(sc[field]))
            for field in _FIELDS
        }
    curves = dict(alphas=alphas.tolist())
    if per_class_curves:
        for field in _FIELDS:
            mean = np.mean([sc[field] for sc in per_class_curves.values()],
                           axis=0)
            out[field] = 100 * float(np.mean(mean))
            if field in ('TETA', 'LocA', 'AssocA'):
                curves[field] = (100 * mean).tolist()
    out.update(per_class=per_class, curves=curves, num_classes=len(classes))
    return out
