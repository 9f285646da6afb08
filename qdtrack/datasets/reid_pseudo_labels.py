"""SimpleReID pseudo-labels: SORT tracklets on unlabeled video as identities.

"Simple Unsupervised Multi-Object Tracking" (Karthik, Prabhu, Gandhi, 2020):
link a detector's boxes with SORT (boxes only), keep the tracklets that pass
a few filters and call every tracklet an identity. This module holds the
pieces the tool ``tools/simplereid/pseudo_label.py`` chains per video:

- :func:`link_tracklets`: our :class:`~qdtrack.models.trackers.SORTTracker`
  over the frames of one video; every box SORT outputs gets its track id.
- :func:`box_filter`: score, size and image-border filters of single boxes.
- :func:`length_filter`: drop tracklets with fewer boxes than a minimum.
- :func:`tracklet_quality` / :func:`summarise_quality`: where ground truth
  exists, purity of the tracklets, how many tracklets an identity is split
  into, and coverage of the ground-truth boxes.

Boxes are ``[x1, y1, x2, y2]`` in pixels throughout.
"""
from collections import Counter, defaultdict
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

from qdtrack.models.trackers.sort_tracker import (
    SORTTracker,
    bbox_iou_matrix,
    match_by_iou,
)


def link_tracklets(frames: Iterable[Tuple[int, np.ndarray, np.ndarray]],
                   tracker: Optional[SORTTracker] = None) -> dict:
    """Run SORT over one video and keep every box it outputs.

    Args:
        frames (Iterable[tuple]): ``(frame_index, boxes, scores)`` per frame
            in temporal order: 0-based ``frame_index`` (gaps allowed),
            ``boxes`` (K, 4) and ``scores`` (K, ).
        tracker (SORTTracker, optional): The tracker; SORT's defaults
            (max_age 1, min_hits 3, IoU 0.3) when None. It is reset first.

    Returns:
        dict: numpy arrays of the M output boxes, ordered by frame, then
        track id: ``frame_index`` (M, ) int64, ``det_index`` (M, ) (row of
        the box in its frame's input), ``tracklet`` (M, ) int64 SORT track
        id, ``bboxes`` (M, 4) the detection boxes (not the Kalman boxes),
        ``scores`` (M, ).
    """
    tracker = SORTTracker() if tracker is None else tracker
    tracker.reset()
    parts = defaultdict(list)
    first = True
    for frame_index, boxes, scores in frames:
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if first:  # a video may start at any index: SORT starts at 0
            offset, first = frame_index, False
        out = tracker.track(boxes, scores, frame_id=frame_index - offset)
        det = out['det_inds']
        parts['frame_index'].append(np.full(len(det), frame_index, np.int64))
        parts['det_index'].append(det.astype(np.int64))
        parts['tracklet'].append(out['ids'].astype(np.int64))
        parts['bboxes'].append(boxes[det])
        parts['scores'].append(scores[det])
    return join_tracklet_parts(parts)


def join_tracklet_parts(parts: dict) -> dict:
    """Per-frame lists of a video's tracked boxes as one array each.

    Args:
        parts (dict): ``frame_index``, ``det_index``, ``tracklet``,
            ``bboxes`` and ``scores``: lists of per-frame arrays (empty
            for a video without tracked boxes).

    Returns:
        dict: The concatenated arrays (M, ), (M, 4) for ``bboxes``; empty
        arrays of the right dtypes and shapes when there is no box.
    """
    if not parts:
        return dict(frame_index=np.zeros(0, np.int64),
                    det_index=np.zeros(0, np.int64),
                    tracklet=np.zeros(0, np.int64),
                    bboxes=np.zeros((0, 4)), scores=np.zeros(0))
    return {key: np.concatenate(value) for key, value in parts.items()}


def box_filter(bboxes: np.ndarray,
               scores: np.ndarray,
               image_size: Tuple[int, int],
               min_score: float = 0.0,
               min_height: float = 0.0,
               min_width: float = 0.0,
               border_margin: Optional[float] = None) -> np.ndarray:
    """Which boxes make usable crops.

    Args:
        bboxes (np.ndarray): (M, 4) boxes.
        scores (np.ndarray): (M, ) detection scores.
        image_size (tuple[int, int]): ``(width, height)`` of the frames.
        min_score (float): Lowest kept score. Defaults to 0.
        min_height (float): Lowest kept box height. Defaults to 0.
        min_width (float): Lowest kept box width. Defaults to 0.
        border_margin (float, optional): A box whose edge comes within this
            many pixels of the image border (or beyond it) is cut by the
            border and dropped. None keeps such boxes. Defaults to None.

    Returns:
        np.ndarray: (M, ) bool mask of the kept boxes.
    """
    bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    w = bboxes[:, 2] - bboxes[:, 0]
    h = bboxes[:, 3] - bboxes[:, 1]
    keep = (np.asarray(scores) >= min_score) & (h >= min_height) & (
        w >= min_width)
    if border_margin is not None:
        width, height = image_size
        keep &= ((bboxes[:, 0] > border_margin)
                 & (bboxes[:, 1] > border_margin)
                 & (bboxes[:, 2] < width - border_margin)
                 & (bboxes[:, 3] < height - border_margin))
    return keep


def length_filter(tracklets: np.ndarray, min_length: int) -> np.ndarray:
    """Keep the boxes of tracklets with at least ``min_length`` boxes.

    Args:
        tracklets (np.ndarray): (M, ) tracklet id of each box.
        min_length (int): Fewest boxes of a kept tracklet.

    Returns:
        np.ndarray: (M, ) bool mask.
    """
    tracklets = np.asarray(tracklets)
    if tracklets.size == 0:
        return np.zeros(0, dtype=bool)
    _, inverse, counts = np.unique(
        tracklets, return_inverse=True, return_counts=True)
    return counts[inverse.reshape(-1)] >= min_length


def match_to_gt(frames: np.ndarray, bboxes: np.ndarray, gt_frames: np.ndarray,
                gt_bboxes: np.ndarray, gt_ids: np.ndarray,
                iou_thr: float = 0.5) -> np.ndarray:
    """Ground-truth identity of each box (one-to-one per frame, max IoU).

    Args:
        frames (np.ndarray): (M, ) frame of each box.
        bboxes (np.ndarray): (M, 4) boxes.
        gt_frames (np.ndarray): (G, ) frame of each ground-truth box.
        gt_bboxes (np.ndarray): (G, 4) ground-truth boxes.
        gt_ids (np.ndarray): (G, ) identities.
        iou_thr (float): Lowest IoU of a match. Defaults to 0.5.

    Returns:
        np.ndarray: (M, ) int64 identity, -1 for boxes matching none.
    """
    out = np.full(len(frames), -1, dtype=np.int64)
    for frame in np.unique(frames):
        rows = np.flatnonzero(frames == frame)
        gts = np.flatnonzero(gt_frames == frame)
        if gts.size == 0:
            continue
        iou = bbox_iou_matrix(bboxes[rows], gt_bboxes[gts])
        r, c = match_by_iou(iou, iou_thr)
        out[rows[r]] = gt_ids[gts[c]]
    return out


def tracklet_quality(tracklets: np.ndarray, box_ids: np.ndarray,
                     num_gt_boxes: int, num_gt_ids: int) -> dict:
    """Counts of pseudo-label quality for one video (summable over videos).

    Args:
        tracklets (np.ndarray): (M, ) tracklet of each kept box.
        box_ids (np.ndarray): (M, ) ground-truth identity of each kept box
            (-1: no ground-truth box, e.g. a false positive).
        num_gt_boxes (int): Ground-truth boxes of the video.
        num_gt_ids (int): Ground-truth identities of the video.

    Returns:
        dict: ``boxes`` (kept boxes), ``majority_boxes`` (boxes on their
        tracklet's majority identity; a tracklet whose majority is -1
        counts 0), ``tracklets``, ``pure_tracklets`` (all boxes on one real
        identity), ``matched_boxes`` (boxes with an identity; each covers
        one ground-truth box), ``gt_boxes``, ``gt_ids``, ``ids_seen``
        (identities with a kept box) and ``splits`` (sum over seen
        identities of the number of tracklets holding them).
    """
    tracklets = np.asarray(tracklets)
    box_ids = np.asarray(box_ids)
    majority = pure = 0
    holders = defaultdict(set)
    for t in np.unique(tracklets):
        ids = box_ids[tracklets == t]
        (top, count), = Counter(ids.tolist()).most_common(1)
        majority += count if top >= 0 else 0
        pure += int(top >= 0 and count == len(ids))
        for i in set(ids.tolist()) - {-1}:
            holders[i].add(int(t))
    return dict(
        boxes=int(len(tracklets)),
        majority_boxes=int(majority),
        tracklets=int(len(np.unique(tracklets))),
        pure_tracklets=int(pure),
        matched_boxes=int((box_ids >= 0).sum()),
        gt_boxes=int(num_gt_boxes),
        gt_ids=int(num_gt_ids),
        ids_seen=len(holders),
        splits=int(sum(len(v) for v in holders.values())))


def summarise_quality(counts: Sequence[Dict[str, int]]) -> dict:
    """Pseudo-label quality over videos from :func:`tracklet_quality` counts.

    Returns:
        dict: ``purity`` (share of kept boxes on their tracklet's majority
        identity), ``pure_tracklets`` (share of tracklets of one identity),
        ``precision`` (share of kept boxes on a ground-truth box),
        ``tracklets_per_id`` (mean number of tracklets an identity seen in
        the pseudo-labels is split into), ``box_coverage`` (share of
        ground-truth boxes covered by a kept box), ``id_coverage`` (share
        of identities with a kept box), and the summed counts.
    """
    total = Counter()
    for c in counts:
        total.update(c)

    def ratio(a, b):
        return round(total[a] / total[b], 4) if total[b] else float('nan')

    return dict(
        purity=ratio('majority_boxes', 'boxes'),
        pure_tracklets=ratio('pure_tracklets', 'tracklets'),
        precision=ratio('matched_boxes', 'boxes'),
        tracklets_per_id=ratio('splits', 'ids_seen'),
        box_coverage=ratio('matched_boxes', 'gt_boxes'),
        id_coverage=ratio('ids_seen', 'gt_ids'),
        counts=dict(total))
