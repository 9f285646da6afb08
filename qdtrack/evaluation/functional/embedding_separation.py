"""How well embeddings separate identities, on the boxes a tracker gets.

Every box of a frame is matched to the ground truth (IoU >= 0.5, the CLEAR
MOT rule of :func:`~.bdd100k_mot.min_cost_matching`); boxes matched to an
object carry its id. On the L2-normalised embeddings this measures what an
appearance-only association needs:

- ``pos``: cosine between one object's boxes in consecutive frames;
- ``neg``: cosine between two objects' boxes in one frame;
- ``rank1``: share of those consecutive-frame links where the object's
  box in frame t has the highest cosine with its box in t+1 among all of
  frame t's boxes, and the reverse (each is the other's best: a greedy or
  bi-softmax association links them when it uses appearance only).

The same three per height bin of the box in t+1, since small, medium and
large objects fail for different reasons.
"""
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from .bdd100k_mot import iou_distance, min_cost_matching


@dataclass
class EmbeddedFrame:
    """One frame's boxes and their embeddings.

    Attributes:
        video (str): The video's name.
        frame (int): The frame number (1-based, as in ``gt.txt``).
        bboxes (np.ndarray): (N, 4) boxes ``x1, y1, x2, y2``.
        embeds (np.ndarray): (N, D) embeddings.
    """
    video: str
    frame: int
    bboxes: np.ndarray
    embeds: np.ndarray


def match_ids(bboxes: np.ndarray, gt_rows: np.ndarray,
              iou_thr: float = 0.5) -> np.ndarray:
    """The ground-truth id of each box, -1 for unmatched ones.

    Args:
        bboxes (np.ndarray): (N, 4) boxes ``x1, y1, x2, y2``.
        gt_rows (np.ndarray): (M, >= 6) rows ``frame, id, x, y, w, h ...``
            of the frame's objects.
        iou_thr (float): Smallest IoU of a match. Defaults to 0.5.

    Returns:
        np.ndarray: (N, ) int ids.
    """
    ids = np.full(len(bboxes), -1, dtype=np.int64)
    if len(bboxes) == 0 or len(gt_rows) == 0:
        return ids
    xywh = np.concatenate([bboxes[:, :2], bboxes[:, 2:] - bboxes[:, :2]], 1)
    rows, cols = min_cost_matching(
        iou_distance(gt_rows[:, 2:6], xywh, iou_thr))
    ids[cols] = gt_rows[rows, 1].astype(np.int64)
    return ids


def _summary(pos: List[float], hits: List[bool],
             neg: Optional[List[float]] = None) -> dict:
    """Counts, means and 10th percentiles; None where nothing was counted
    (JSON has no NaN)."""
    def stats(values, prefix):
        if not values:
            return {f'{prefix}_mean': None, f'{prefix}_p10': None}
        return {f'{prefix}_mean': float(np.mean(values)),
                f'{prefix}_p10': float(np.percentile(values, 10))}
    out = dict(links=len(pos), **stats(pos, 'pos'))
    if neg is not None:
        out.update(pairs=len(neg), **stats(neg, 'neg'))
    out['rank1'] = float(np.mean(hits)) if hits else None
    return out


def embedding_separation(frames: Iterable[EmbeddedFrame],
                         gt: Dict[str, np.ndarray],
                         iou_thr: float = 0.5,
                         height_bins: Sequence[float] = (30, 60)) -> dict:
    """Positive and negative cosines and rank-1 links (module docstring).

    Args:
        frames (Iterable[EmbeddedFrame]): Frames in video order (a frame
            is compared with the previous one when both are of one video
            and their numbers differ by 1).
        gt (dict[str, np.ndarray]): Video name -> its objects' ground-truth
            rows ``frame, id, x, y, w, h ...`` (e.g. MOT17's scored rows).
        iou_thr (float): Smallest IoU of a box matched to an object.
            Defaults to 0.5.
        height_bins (Sequence[float]): Box heights (pixels) splitting the
            links into bins. Defaults to (30, 60).

    Returns:
        dict: ``all``: ``links``, ``pos_mean``, ``pos_p10``, ``pairs``,
        ``neg_mean``, ``neg_p10``, ``rank1``; ``by_height``: label ->
        ``links``, ``pos_mean``, ``pos_p10``, ``rank1``; ``boxes`` and
        ``matched`` (counts). Statistics of nothing (e.g. an empty bin)
        are None.

    Raises:
        KeyError: A frame's video has no ground truth.
    """
    edges = [0.0, *map(float, height_bins), float('inf')]
    labels = [f'{lo:g}-{hi:g}' if hi != float('inf') else f'>={lo:g}'
              for lo, hi in zip(edges[:-1], edges[1:])]
    pos, neg, hits = [], [], []
    binned = {k: ([], []) for k in labels}  # pos, hits
    boxes = matched = 0
    prev = None
    for f in frames:
        if f.video not in gt:
            raise KeyError(f'no ground truth for video {f.video!r}')
        rows = gt[f.video]
        ids = match_ids(np.asarray(f.bboxes, dtype=np.float64),
                        rows[rows[:, 0] == f.frame], iou_thr)
        emb = np.asarray(f.embeds, dtype=np.float64)
        emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True),
                               1e-12)
        boxes += len(ids)
        matched += int((ids >= 0).sum())
        keep = np.flatnonzero(ids >= 0)
        a, b = np.triu_indices(len(keep), k=1)
        a, b = keep[a], keep[b]
        other = ids[a] != ids[b]
        neg.extend(np.einsum('kd,kd->k', emb[a[other]], emb[b[other]]))
        if prev is not None and prev[0] == f.video and \
                prev[1] == f.frame - 1 and len(prev[3]):
            cross = emb @ prev[3].T  # (N_t+1, N_t)
            for i in keep:
                j = np.flatnonzero(prev[2] == ids[i])
                if len(j) == 0:
                    continue
                j = int(j[0])
                c = float(cross[i, j])
                hit = bool(c >= cross[i].max() and c >= cross[:, j].max())
                h = float(f.bboxes[i][3] - f.bboxes[i][1])
                label = labels[int(np.searchsorted(edges, h, 'right')) - 1]
                for target in (pos, binned[label][0]):
                    target.append(c)
                for target in (hits, binned[label][1]):
                    target.append(hit)
        prev = (f.video, f.frame, ids, emb)
    return dict(
        all=_summary(pos, hits, neg),
        by_height={k: _summary(p, h) for k, (p, h) in binned.items()},
        boxes=boxes, matched=matched)
