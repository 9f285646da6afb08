"""SORT: Kalman filter on boxes + Hungarian assignment on IoU.

Simple Online and Realtime Tracking (Bewley et al., 2016), the IoU-only
baseline of the project and the source of SimpleReID's pseudo-labels.
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import Tensor

from qdtrack.registry import MODELS

from .box_kalman_filter import (
    BoxKalmanFilter,
    bbox_xysr_to_xyxy,
    bbox_xyxy_to_xysr,
)

ArrayLike = Union[np.ndarray, Tensor]

OUTPUT_MODES = ('kalman', 'detection')


def bbox_iou_matrix(bboxes1: np.ndarray, bboxes2: np.ndarray) -> np.ndarray:
    """IoU of every pair of boxes (no +1 on widths, as in SORT).

    Args:
        bboxes1 (np.ndarray): (N, 4) boxes ``[x1, y1, x2, y2]``.
        bboxes2 (np.ndarray): (M, 4) boxes ``[x1, y1, x2, y2]``.

    Returns:
        np.ndarray: (N, M) IoU; 0 where the union is empty.
    """
    b1 = np.asarray(bboxes1, dtype=np.float64).reshape(-1, 4)
    b2 = np.asarray(bboxes2, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(b1[:, None, :2], b2[None, :, :2])
    rb = np.minimum(b1[:, None, 2:], b2[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    union = area1[:, None] + area2[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def match_by_iou(iou: np.ndarray,
                 iou_threshold: float) -> Tuple[np.ndarray, np.ndarray]:
    """One-to-one matching maximising the summed IoU of admissible pairs.

    A pair is admissible when its IoU is at least ``iou_threshold``; the
    Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`) runs on
    the IoU with inadmissible pairs set to 0, and only admissible pairs are
    kept. The public SORT code runs the Hungarian algorithm on the raw IoU and
    drops low pairs afterwards (with a shortcut when the admissible pairs are
    already one-to-one, where both agree); gating first never loses an
    admissible match to a pair that would then be dropped.

    Args:
        iou (np.ndarray): (N, M) IoU (e.g. detections x tracks); entries
            below ``iou_threshold`` (e.g. -1) are never matched.
        iou_threshold (float): Lowest IoU of a match.

    Returns:
        tuple[np.ndarray, np.ndarray]: row and column indices (K,) of the
        matches, int64, sorted by row.
    """
    iou = np.asarray(iou, dtype=np.float64)
    if iou.ndim != 2:
        raise ValueError(f'iou must be a 2-d matrix, got shape {iou.shape}')
    if np.isnan(iou).any():
        raise ValueError('iou contains NaN')
    valid = iou >= iou_threshold
    rows = np.flatnonzero(valid.any(axis=1))
    cols = np.flatnonzero(valid.any(axis=0))
    if rows.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    sub_valid = valid[np.ix_(rows, cols)]
    gain = np.where(sub_valid, iou[np.ix_(rows, cols)], 0.0)
    r, c = linear_sum_assignment(gain, maximize=True)
    keep = sub_valid[r, c]
    return rows[r[keep]].astype(np.int64), cols[c[keep]].astype(np.int64)


@MODELS.register_module()
class SORTTracker:
    """SORT tracker: constant-velocity Kalman filter + IoU Hungarian matching.

    Per frame: every track is predicted one step by
    :class:`BoxKalmanFilter` (state ``[cx, cy, s, r, vcx, vcy, vs]``, SORT's
    noise settings); detections with ``score >= score_thr`` are matched to the
    predicted boxes by :func:`match_by_iou`; matched tracks are corrected by
    their detection (one batched Kalman update); every unmatched detection
    starts a new track; a track is deleted once it has gone more than
    ``max_age`` frames without a match. Everything is vectorised over tracks.

    Output rule of the original: a track is output in a frame only when it
    was matched (or born) in that frame and its hit streak (consecutive
    matched frames after its birth) is at least ``min_hits``; during the
    first ``min_hits`` frames of a sequence every matched or new track is
    output (``output_first_frames``). A missed frame resets the hit streak.

    Track ids are int64 and start at 0 in every sequence (MOT writers add 1).
    ``frame_id == 0`` starts a new sequence (calls :meth:`reset`); a gap in
    ``frame_id`` (e.g. a frame stride) is bridged by as many Kalman
    prediction steps, while hits, ``min_hits`` and ``max_age`` count
    processed frames (calls of :meth:`track`).

    State (public, one row per live track, in order of birth, i.e. by id):
    ``means`` (T, 7), ``covariances`` (T, 7, 7), ``ids`` (T,), ``labels``
    (T,), ``scores`` (T,) (last matched detection), ``hits`` (T,),
    ``hit_streaks`` (T,), ``time_since_update`` (T,), ``ages`` (T,); and
    ``next_id``, ``num_frames`` (frames of the sequence so far),
    ``last_frame_id``.

    Args:
        iou_threshold (float): Lowest IoU between a predicted track box and a
            detection to match them. Defaults to 0.3.
        min_hits (int): Hit streak a track needs to be output. Defaults to 3.
        max_age (int): Frames a track survives without a match.
            Defaults to 1.
        score_thr (float): Detections with a lower score are ignored.
            Defaults to 0.0 (the original tracks all given boxes).
        with_cats (bool): Match only detections and tracks of the same
            label. Defaults to False.
        output (str): Box output for a track: ``'kalman'`` (the corrected
            Kalman state, as the original; a new track outputs its detection
            through the ``[cx, cy, s, r]`` round trip) or ``'detection'``
            (the matched detection box). Defaults to 'kalman'.
        output_first_frames (bool): Output unconfirmed tracks during the
            first ``min_hits`` frames of a sequence, as the original does.
            Defaults to True.
    """

    _TRACK_FIELDS = ('means', 'covariances', 'ids', 'labels', 'scores',
                     'hits', 'hit_streaks', 'time_since_update', 'ages')

    def __init__(self,
                 iou_threshold: float = 0.3,
                 min_hits: int = 3,
                 max_age: int = 1,
                 score_thr: float = 0.0,
                 with_cats: bool = False,
                 output: str = 'kalman',
                 output_first_frames: bool = True) -> None:
        if not 0.0 <= iou_threshold <= 1.0:
            raise ValueError(
                f'iou_threshold must be in [0, 1], got {iou_threshold}')
        for name, value in (('min_hits', min_hits), ('max_age', max_age)):
            if isinstance(value, bool) or not isinstance(
                    value, (int, np.integer)) or value < 0:
                raise ValueError(
                    f'{name} must be a non-negative int, got {value!r}')
        if not np.isfinite(score_thr):
            raise ValueError(f'score_thr must be finite, got {score_thr}')
        if output not in OUTPUT_MODES:
            raise ValueError(
                f'output must be one of {OUTPUT_MODES}, got {output!r}')
        self.iou_threshold = float(iou_threshold)
        self.min_hits = int(min_hits)
        self.max_age = int(max_age)
        self.score_thr = float(score_thr)
        self.with_cats = bool(with_cats)
        self.output = output
        self.output_first_frames = bool(output_first_frames)
        self.kf = BoxKalmanFilter()
        self.reset()

    def reset(self) -> None:
        """Forget every track and start a new sequence (ids from 0)."""
        self.means = np.zeros((0, 7))
        self.covariances = np.zeros((0, 7, 7))
        self.ids = np.zeros(0, dtype=np.int64)
        self.labels = np.zeros(0, dtype=np.int64)
        self.scores = np.zeros(0)
        self.hits = np.zeros(0, dtype=np.int64)
        self.hit_streaks = np.zeros(0, dtype=np.int64)
        self.time_since_update = np.zeros(0, dtype=np.int64)
        self.ages = np.zeros(0, dtype=np.int64)
        self.next_id = 0
        self.num_frames = 0
        self.last_frame_id = None

    @property
    def num_tracks(self) -> int:
        """Number of live tracks."""
        return int(self.ids.shape[0])

    def _select(self, keep: np.ndarray) -> None:
        for name in self._TRACK_FIELDS:
            setattr(self, name, getattr(self, name)[keep])

    @staticmethod
    def _as_numpy(value: ArrayLike, name: str) -> np.ndarray:
        if isinstance(value, Tensor):
            value = value.detach().cpu()
            if value.is_floating_point():
                value = value.double()
            return value.numpy()
        try:
            return np.asarray(value)
        except (TypeError, ValueError) as err:
            raise TypeError(f'{name} must be an array or a Tensor') from err

    def _check_inputs(
        self, bboxes: ArrayLike, scores: ArrayLike, labels: Optional[ArrayLike]
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        boxes = self._as_numpy(bboxes, 'bboxes')
        if boxes.size == 0:
            boxes = boxes.reshape(0, 4)
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(
                f'bboxes must have shape (N, 4), got {tuple(boxes.shape)}')
        if not np.issubdtype(boxes.dtype, np.number):
            raise TypeError(f'bboxes must be numeric, got {boxes.dtype}')
        boxes = boxes.astype(np.float64)
        if not np.all(np.isfinite(boxes)):
            raise ValueError('bboxes contain NaN or inf')
        if np.any(boxes[:, 2] < boxes[:, 0]) or np.any(
                boxes[:, 3] < boxes[:, 1]):
            raise ValueError('bboxes must be [x1, y1, x2, y2] with x2 >= x1 '
                             'and y2 >= y1')
        num = boxes.shape[0]
        scores = self._as_numpy(scores, 'scores')
        if scores.shape != (num, ):
            raise ValueError(f'scores must have shape ({num},), got '
                             f'{tuple(scores.shape)}')
        if not np.issubdtype(scores.dtype, np.number):
            raise TypeError(f'scores must be numeric, got {scores.dtype}')
        scores = scores.astype(np.float64)
        if not np.all(np.isfinite(scores)):
            raise ValueError('scores contain NaN or inf')
        if labels is None:
            labels = np.zeros(num, dtype=np.int64)
        else:
            labels = self._as_numpy(labels, 'labels')
            if labels.shape != (num, ):
                raise ValueError(f'labels must have shape ({num},), got '
                                 f'{tuple(labels.shape)}')
            if not np.issubdtype(labels.dtype, np.number) or not np.all(
                    np.isfinite(labels)) or np.any(
                        labels != np.round(labels)):
                raise ValueError('labels must be integers')
            labels = labels.astype(np.int64)
        return boxes, scores, labels

    def _start_frame(self, frame_id: Optional[int]) -> int:
        """Advance the frame counter; return the prediction steps to do."""
        if frame_id is None:
            frame_id = (0 if self.last_frame_id is None else
                        self.last_frame_id + 1)
        if isinstance(frame_id, bool) or not isinstance(
                frame_id, (int, np.integer)) or frame_id < 0:
            raise ValueError(
                f'frame_id must be a non-negative int, got {frame_id!r}')
        frame_id = int(frame_id)
        if frame_id == 0 and self.last_frame_id is not None:
            self.reset()
        if self.last_frame_id is None:
            steps = 0
        elif frame_id <= self.last_frame_id:
            raise ValueError(
                f'frame_id must increase within a sequence: got {frame_id} '
                f'after {self.last_frame_id} (frame_id 0 starts a new one)')
        else:
            steps = frame_id - self.last_frame_id
        self.last_frame_id = frame_id
        self.num_frames += 1
        return steps

    def _predict(self, steps: int) -> np.ndarray:
        """Predict all tracks ``steps`` frames ahead; drop diverged ones.

        Returns:
            np.ndarray: (T, 4) predicted boxes of the remaining tracks.
        """
        if self.num_tracks and steps:
            for _ in range(steps):
                self.means, self.covariances = self.kf.predict(
                    self.means, self.covariances)
            self.ages += 1
            self.hit_streaks[self.time_since_update > 0] = 0
            self.time_since_update += 1
        pred = bbox_xysr_to_xyxy(self.means)
        finite = np.isfinite(pred).all(axis=1)
        if not finite.all():
            self._select(finite)
            pred = pred[finite]
        return pred

    def track(self,
              bboxes: ArrayLike,
              scores: ArrayLike,
              labels: Optional[ArrayLike] = None,
              frame_id: Optional[int] = None) -> dict:
        """Track the detections of one frame.

        Args:
            bboxes (np.ndarray | Tensor): (N, 4) detections
                ``[x1, y1, x2, y2]``. Zero-width or zero-height boxes are
                ignored (they have no aspect ratio).
            scores (np.ndarray | Tensor): (N,) detection scores.
            labels (np.ndarray | Tensor, optional): (N,) integer labels;
                all 0 when None.
            frame_id (int, optional): 0-based frame index in the sequence;
                0 starts a new sequence. None means the frame after the last
                one (0 at the start).

        Returns:
            dict: the tracks output in this frame, ordered by id, as numpy
            arrays, or as tensors on the device of ``bboxes`` when it is a
            Tensor:

            - ``bboxes`` (M, 4): ``[x1, y1, x2, y2]`` (see ``output``).
            - ``scores`` (M,): scores of the matched detections.
            - ``labels`` (M,): labels of the matched detections.
            - ``ids`` (M,): track ids, int64, from 0.
            - ``det_inds`` (M,): index in the input ``bboxes`` of the
              detection of each output row.
        """
        boxes, det_scores, det_labels = self._check_inputs(
            bboxes, scores, labels)
        steps = self._start_frame(frame_id)
        pred_boxes = self._predict(steps)

        keep = ((det_scores >= self.score_thr)
                & (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1]))
        valid_inds = np.flatnonzero(keep)
        iou = bbox_iou_matrix(boxes[valid_inds], pred_boxes)
        if self.with_cats:
            same = det_labels[valid_inds, None] == self.labels[None, :]
            iou = np.where(same, iou, -1.0)
        det_rows, trk_inds = match_by_iou(iou, self.iou_threshold)
        matched_dets = valid_inds[det_rows]

        track_det_inds = np.full(self.num_tracks, -1, dtype=np.int64)
        if trk_inds.size:
            track_det_inds[trk_inds] = matched_dets
            self.means[trk_inds], self.covariances[trk_inds] = self.kf.update(
                self.means[trk_inds], self.covariances[trk_inds],
                bbox_xyxy_to_xysr(boxes[matched_dets]))
            self.labels[trk_inds] = det_labels[matched_dets]
            self.scores[trk_inds] = det_scores[matched_dets]
            self.hits[trk_inds] += 1
            self.hit_streaks[trk_inds] += 1
            self.time_since_update[trk_inds] = 0

        new_dets = np.setdiff1d(valid_inds, matched_dets)
        self._add_tracks(new_dets, boxes, det_scores, det_labels)
        track_det_inds = np.concatenate([track_det_inds, new_dets])

        confirmed = self.hit_streaks >= self.min_hits
        if self.output_first_frames and self.num_frames <= self.min_hits:
            confirmed[:] = True
        out = np.flatnonzero((self.time_since_update == 0) & confirmed)
        out_dets = track_det_inds[out]
        if self.output == 'kalman':
            out_boxes = bbox_xysr_to_xyxy(self.means[out])
        else:
            out_boxes = boxes[out_dets]
        results = dict(
            bboxes=out_boxes.reshape(-1, 4),
            scores=det_scores[out_dets],
            labels=det_labels[out_dets],
            ids=self.ids[out].copy(),
            det_inds=out_dets)

        self._select(self.time_since_update <= self.max_age)
        if isinstance(bboxes, Tensor):
            results = self._to_tensors(results, bboxes, scores)
        return results

    def _add_tracks(self, det_inds: np.ndarray, boxes: np.ndarray,
                    scores: np.ndarray, labels: np.ndarray) -> None:
        """Start one track per detection in ``det_inds``."""
        num = det_inds.size
        if num == 0:
            return
        means, covs = self.kf.initiate(bbox_xyxy_to_xysr(boxes[det_inds]))
        zeros = np.zeros(num, dtype=np.int64)
        new = dict(
            means=means,
            covariances=covs,
            ids=np.arange(self.next_id, self.next_id + num, dtype=np.int64),
            labels=labels[det_inds],
            scores=scores[det_inds],
            hits=zeros,
            hit_streaks=zeros,
            time_since_update=zeros,
            ages=zeros)
        for name in self._TRACK_FIELDS:
            setattr(self, name,
                    np.concatenate([getattr(self, name), new[name]]))
        self.next_id += num

    @staticmethod
    def _to_tensors(results: dict, bboxes: Tensor, scores: ArrayLike) -> dict:
        """Results as tensors on the device and in the dtype of the inputs."""
        box_dtype = bboxes.dtype if bboxes.is_floating_point() else None
        score_dtype = (scores.dtype if isinstance(scores, Tensor)
                       and scores.is_floating_point() else box_dtype)
        device = bboxes.device
        return dict(
            bboxes=torch.as_tensor(
                results['bboxes'], dtype=box_dtype, device=device),
            scores=torch.as_tensor(
                results['scores'], dtype=score_dtype, device=device),
            labels=torch.as_tensor(results['labels'], device=device),
            ids=torch.as_tensor(results['ids'], device=device),
            det_inds=torch.as_tensor(results['det_inds'], device=device))
