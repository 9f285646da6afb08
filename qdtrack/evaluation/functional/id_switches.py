"""Where a tracker switches identities, frame by frame.

The CLEAR MOT matching of :class:`~qdtrack.evaluation.functional.
bdd100k_mot.ClearMotAccumulator` (py-motmetrics' rules: last frame's pairs
are kept while their IoU allows, the rest is assigned by minimum total
``1 - IoU`` at IoU >= 0.5) run over a MOTChallenge ground truth and result
file, keeping which ground-truth object was covered by which track in every
frame and every switch.

With MOT16/17 ground truth, only pedestrians (class 1) with consider flag
1 are objects (:func:`scored_gt_rows`); predictions on distractors are not
removed first as TrackEval does, so on MOT17 the switch count can differ
slightly from TrackEval's IDSW.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np

from .bdd100k_mot import ClearMotAccumulator, iou_distance


@dataclass(frozen=True)
class IdSwitch:
    """One identity switch.

    Attributes:
        frame (int): The frame (1-based, as in the files).
        gt_id (int): The ground-truth object.
        from_id (int): The track that covered it before.
        to_id (int): The track that covers it from this frame.
    """
    frame: int
    gt_id: int
    from_id: int
    to_id: int


@dataclass
class SequenceTimeline:
    """Frame-by-frame matching of one sequence.

    Attributes:
        switches (list[IdSwitch]): In frame order.
        coverage (dict[int, list[tuple[int, int]]]): Ground-truth id ->
            ``(frame, track id)`` for every frame the object is in the
            ground truth, track id -1 when missed.
        num_frames (int): Largest frame number of either file.
    """
    switches: List[IdSwitch] = field(default_factory=list)
    coverage: Dict[int, List[Tuple[int, int]]] = field(default_factory=dict)
    num_frames: int = 0


def scored_gt_rows(gt: np.ndarray) -> np.ndarray:
    """The MOT16/17 ground-truth rows that are objects to track.

    Args:
        gt (np.ndarray): (N, 9) rows ``frame, id, x, y, w, h, consider,
            class, visibility`` (see
            :func:`~qdtrack.datasets.mot_files.read_mot_gt`).

    Returns:
        np.ndarray: The rows of class 1 (pedestrian) with consider flag 1.
    """
    return gt[(gt[:, 6] == 1) & (gt[:, 7] == 1)]


def identity_timeline(gt: np.ndarray, results: np.ndarray,
                      iou_thr: float = 0.5) -> SequenceTimeline:
    """Match a result file to its ground truth frame by frame.

    Args:
        gt (np.ndarray): Ground-truth rows ``frame, id, x, y, w, h, ...``,
            all of them objects (see :func:`scored_gt_rows` for MOT17).
        results (np.ndarray): Result rows ``frame, id, x, y, w, h, ...``
            (e.g. from :func:`~qdtrack.datasets.mot_files.
            read_mot_results`).
        iou_thr (float): Smallest IoU of a match. Defaults to 0.5.

    Returns:
        SequenceTimeline: The switches and per-object coverage.
    """
    gt = np.asarray(gt, dtype=np.float64)
    results = np.asarray(results, dtype=np.float64)
    acc = ClearMotAccumulator()
    timeline = SequenceTimeline()
    frames = np.union1d(gt[:, 0], results[:, 0]).astype(int)
    for frame in frames:
        g = gt[gt[:, 0] == frame]
        h = results[results[:, 0] == frame]
        oids = g[:, 1].astype(int)
        acc.update(oids, h[:, 1].astype(int),
                   iou_distance(g[:, 2:6], h[:, 2:6], iou_thr),
                   frame_id=int(frame))
        for oid in oids.tolist():
            track = acc.prev_match[oid] if acc.obj_states[oid][-1] else -1
            timeline.coverage.setdefault(oid, []).append(
                (int(frame), int(track)))
    timeline.switches = [IdSwitch(*s) for s in acc.switches]
    timeline.num_frames = int(frames.max()) if len(frames) else 0
    return timeline
