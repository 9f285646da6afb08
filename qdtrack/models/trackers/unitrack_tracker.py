"""UniTrack's MOT association (JDE-style) on point-feature similarities."""
from typing import Optional

import numpy as np
import torch
from mmdet.models.task_modules.tracking import KalmanFilter
from mmdet.structures.bbox import bbox_cxcyah_to_xyxy, bbox_xyxy_to_cxcyah
from torch import Tensor

from qdtrack.registry import MODELS

from .box_iou import box_iou
from .matching import min_cost_assignment
from .point_similarity import POINT_METRICS, point_similarity

TRACKED, LOST = 1, 2


def _xyah(boxes: np.ndarray) -> np.ndarray:
    return bbox_xyxy_to_cxcyah(torch.from_numpy(boxes)).numpy()


def _xyxy(xyah: np.ndarray) -> np.ndarray:
    return bbox_cxcyah_to_xyxy(torch.from_numpy(
        np.ascontiguousarray(xyah[:, :4]))).numpy().reshape(-1, 4)


def _iou(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    return box_iou(torch.from_numpy(boxes1.reshape(-1, 4)),
                   torch.from_numpy(boxes2.reshape(-1, 4))).numpy()


@MODELS.register_module()
class UniTrackTracker:
    """The association of UniTrack's box tracker (JDE / FairMOT rules).

    Per frame (counted from 1 in each sequence):

    0. Detections scoring at most ``obj_score_thr`` are dropped.
    1. Tracks are split into *unconfirmed* (born after the first frame and
       not matched since) and the *pool* (confirmed tracked + lost tracks).
       The pool is predicted one step by DeepSORT's Kalman filter (mmdet's
       ``KalmanFilter``, state ``[cx, cy, a, h]`` + velocities; the height
       velocity of a lost track is zeroed first). Cost = ``(1 -
       motion_weight) * (1 - appearance similarity) + motion_weight *
       squared Mahalanobis distance``, set to ``inf`` where the Mahalanobis
       distance exceeds ``gate_thr`` (chi-square 95% for 4 dof) when
       ``motion_gate``; Hungarian assignment with cost limit
       ``match_cost_limit``. Matched tracks are updated (lost ones found
       again).
    2. Remaining *tracked* pool tracks and remaining detections: cost ``1 -
       IoU`` with the predicted boxes, limit ``iou_cost_limit``.
    3. Unconfirmed tracks and remaining detections: cost ``1 - IoU`` with
       their last box, limit ``unconfirmed_cost_limit``; matched ones are
       confirmed, the others deleted.
    4. Tracked pool tracks still unmatched become lost; remaining detections
       scoring at least ``init_score_thr`` start tracks (confirmed at once in
       the first frame only); lost tracks unmatched for more than
       ``frame_rate * buffer_seconds`` frames are deleted.
    5. A tracked and a lost track whose boxes overlap with IoU above ``1 -
       dup_cost_thr`` are duplicates: the younger one (frames between its
       start and its last match) is deleted, the tracked one on a tie.

    Output: the confirmed tracks matched in this frame, with their corrected
    Kalman box. A track keeps the point features of its last match
    (UniTrack's association reads ``curr_feat``); ``feat_momentum`` > 0
    averages them instead (``m * old + (1 - m) * new``).

    Differences from the public code: ids start at 0 in every sequence (the
    public counter is global); the score of a found-again lost track is
    updated (the public ``re_activate`` keeps the old one); with
    ``with_cats`` every stage matches same-label pairs only (the public
    category gate adds the label difference to the first stage's cost).

    Args:
        metric (str): Appearance similarity, one of ``'rsm'``, ``'global'``,
            ``'center'`` (:mod:`.point_similarity`). Defaults to 'rsm'.
        temperature (float): Softmax temperature of the RSM. Defaults to
            0.01.
        motion_weight (float): Weight of the Mahalanobis distance in the
            first-stage cost (``1 - motion_lambda`` of the public config).
            0 with ``motion_gate=False`` is the paper's "without motion"
            setting. Defaults to 0.02.
        motion_gate (bool): Forbid pairs whose Mahalanobis distance exceeds
            ``gate_thr``. Defaults to True.
        gate_thr (float): Gate on the squared Mahalanobis distance.
            Defaults to 9.4877.
        match_cost_limit (float): Cost limit of the first stage.
            Defaults to 0.7.
        iou_cost_limit (float): Cost limit (1 - IoU) of the second stage.
            Defaults to 0.5.
        unconfirmed_cost_limit (float): Cost limit (1 - IoU) of the third
            stage. Defaults to 0.7.
        dup_cost_thr (float): Duplicate tracks have ``1 - IoU`` below this.
            Defaults to 0.15.
        obj_score_thr (float): Detections must score above this. Defaults
            to 0.5.
        init_score_thr (float): A new track needs at least this score.
            Defaults to 0.5.
        frame_rate (float): Frames per second of the videos. Defaults to 30.
        buffer_seconds (float): How long a lost track is kept. Defaults
            to 1.0.
        feat_momentum (float): Weight of a track's old point features when
            it is matched. Defaults to 0.0.
        with_cats (bool): Match only equal labels. Defaults to False.
    """

    _FIELDS = ('ids', 'means', 'covs', 'states', 'activated', 'starts',
               'lasts', 'scores', 'labels', 'feats')

    def __init__(self,
                 metric: str = 'rsm',
                 temperature: float = 0.01,
                 motion_weight: float = 0.02,
                 motion_gate: bool = True,
                 gate_thr: float = 9.4877,
                 match_cost_limit: float = 0.7,
                 iou_cost_limit: float = 0.5,
                 unconfirmed_cost_limit: float = 0.7,
                 dup_cost_thr: float = 0.15,
                 obj_score_thr: float = 0.5,
                 init_score_thr: float = 0.5,
                 frame_rate: float = 30,
                 buffer_seconds: float = 1.0,
                 feat_momentum: float = 0.0,
                 with_cats: bool = False) -> None:
        if metric not in POINT_METRICS:
            raise ValueError(f'metric must be one of {POINT_METRICS}, got '
                             f'{metric!r}')
        if not 0 <= motion_weight <= 1:
            raise ValueError(
                f'motion_weight must be in [0, 1], got {motion_weight}')
        if not 0 <= feat_momentum < 1:
            raise ValueError(
                f'feat_momentum must be in [0, 1), got {feat_momentum}')
        if frame_rate <= 0 or buffer_seconds < 0:
            raise ValueError('frame_rate must be > 0 and buffer_seconds '
                             '>= 0')
        self.metric = metric
        self.temperature = temperature
        self.motion_weight = motion_weight
        self.motion_gate = motion_gate
        self.gate_thr = gate_thr
        self.match_cost_limit = match_cost_limit
        self.iou_cost_limit = iou_cost_limit
        self.unconfirmed_cost_limit = unconfirmed_cost_limit
        self.dup_cost_thr = dup_cost_thr
        self.obj_score_thr = obj_score_thr
        self.init_score_thr = init_score_thr
        # as the public code: int(frame_rate / 30 * track_buffer), with a
        # buffer of 30 frames at 30 fps for one second
        self.max_time_lost = int(frame_rate * buffer_seconds)
        self.feat_momentum = feat_momentum
        self.with_cats = with_cats
        self.kf = KalmanFilter()
        self.reset()

    def reset(self) -> None:
        """Forget every track and start a new sequence (ids from 0)."""
        self.ids = np.zeros(0, dtype=np.int64)
        self.means = np.zeros((0, 8))
        self.covs = np.zeros((0, 8, 8))
        self.states = np.zeros(0, dtype=np.int64)
        self.activated = np.zeros(0, dtype=bool)
        self.starts = np.zeros(0, dtype=np.int64)
        self.lasts = np.zeros(0, dtype=np.int64)
        self.scores = np.zeros(0)
        self.labels = np.zeros(0, dtype=np.int64)
        self.feats: Optional[Tensor] = None
        self.next_id = 0
        self.frame = 0
        self.last_frame_id: Optional[int] = None

    @property
    def num_tracks(self) -> int:
        """Number of tracked, unconfirmed and lost tracks."""
        return int(self.ids.shape[0])

    @property
    def boxes(self) -> np.ndarray:
        """(T, 4) xyxy boxes of the tracks' Kalman means."""
        return _xyxy(self.means)

    def _select(self, keep: np.ndarray) -> None:
        for name in self._FIELDS[:-1]:
            setattr(self, name, getattr(self, name)[keep])
        if self.feats is not None:
            self.feats = self.feats[torch.from_numpy(np.asarray(keep))]

    def _predict(self, rows: np.ndarray) -> None:
        for i in rows:
            mean = self.means[i].copy()
            if self.states[i] != TRACKED:
                mean[7] = 0.0
            self.means[i], self.covs[i] = self.kf.predict(mean, self.covs[i])

    def _update(self, rows: np.ndarray, dets: np.ndarray, boxes: np.ndarray,
                scores: np.ndarray, labels: np.ndarray,
                feats: Tensor) -> None:
        """Correct tracks ``rows`` with detections ``dets``."""
        if rows.size == 0:
            return
        xyah = _xyah(boxes[dets])
        for i, j in zip(rows, xyah):
            self.means[i], self.covs[i] = self.kf.update(
                self.means[i], self.covs[i], j)
        self.states[rows] = TRACKED
        self.activated[rows] = True
        self.lasts[rows] = self.frame
        self.scores[rows] = scores[dets]
        self.labels[rows] = labels[dets]
        rows_t = torch.from_numpy(rows)
        new = feats[torch.from_numpy(dets)].to(self.feats)
        if self.feat_momentum > 0:
            new = torch.lerp(new, self.feats[rows_t], self.feat_momentum)
        self.feats[rows_t] = new

    def _gate_cats(self, cost: np.ndarray, rows: np.ndarray,
                   det_labels: np.ndarray) -> np.ndarray:
        if self.with_cats:
            cost = np.where(self.labels[rows, None] == det_labels[None],
                            cost, np.inf)
        return cost

    def _appearance_motion_cost(self, pool: np.ndarray, boxes: np.ndarray,
                                labels: np.ndarray,
                                feats: Tensor) -> np.ndarray:
        """(len(pool), N) first-stage cost (tracks were predicted)."""
        with torch.no_grad():
            sim = point_similarity(feats, self.feats[torch.from_numpy(pool)],
                                   self.metric, self.temperature)
        cost = 1.0 - sim.t().double().cpu().numpy()
        if self.motion_weight > 0 or self.motion_gate:
            xyah = _xyah(boxes)
            maha = np.stack([
                self.kf.gating_distance(self.means[i], self.covs[i], xyah)
                for i in pool
            ])
            cost = ((1.0 - self.motion_weight) * cost +
                    self.motion_weight * maha)
            if self.motion_gate:
                cost[maha > self.gate_thr] = np.inf
        return self._gate_cats(cost, pool, labels)

    def _iou_cost(self, rows: np.ndarray, boxes: np.ndarray,
                  labels: np.ndarray) -> np.ndarray:
        cost = 1.0 - _iou(_xyxy(self.means[rows]), boxes)
        return self._gate_cats(cost, rows, labels)

    def _start_frame(self, frame_id: Optional[int]) -> None:
        if frame_id is None:
            frame_id = (0 if self.last_frame_id is None else
                        self.last_frame_id + 1)
        if frame_id == 0 and self.last_frame_id is not None:
            self.reset()
        elif self.last_frame_id is not None and (
                frame_id <= self.last_frame_id):
            raise ValueError(
                f'frame_id must increase within a sequence: got {frame_id} '
                f'after {self.last_frame_id} (frame_id 0 starts a new one)')
        self.last_frame_id = frame_id
        self.frame += 1

    def track(self,
              bboxes: Tensor,
              scores: Tensor,
              labels: Tensor,
              feats: Tensor,
              frame_id: Optional[int] = None) -> dict:
        """Track the detections of one frame.

        Args:
            bboxes (Tensor): (N, 4) detections ``x1, y1, x2, y2``.
            scores (Tensor): (N, ) detection scores.
            labels (Tensor): (N, ) integer labels.
            feats (Tensor): (N, C, H, W) point features of the detections.
            frame_id (int, optional): 0-based frame index; 0 starts a new
                sequence. None means the frame after the last one.

        Returns:
            dict: numpy arrays of the output tracks, ordered by id:
            ``bboxes`` (K, 4), ``scores`` (K, ), ``labels`` (K, ), ``ids``
            (K, ) (int64, from 0) and ``det_inds`` (K, ) (row of each one's
            detection in the input).
        """
        num = bboxes.shape[0]
        if tuple(bboxes.shape) != (num, 4) or tuple(scores.shape) != (
                num, ) or tuple(labels.shape) != (num, ):
            raise ValueError('bboxes (N, 4), scores (N, ) and labels (N, ) '
                             'must describe the same detections, got '
                             f'{tuple(bboxes.shape)}, {tuple(scores.shape)} '
                             f'and {tuple(labels.shape)}')
        if feats.dim() != 4 or feats.size(0) != num:
            raise ValueError(f'feats must be ({num}, C, H, W), got '
                             f'{tuple(feats.shape)}')
        self._start_frame(frame_id)
        boxes = bboxes.detach().cpu().double().numpy().reshape(-1, 4)
        scores = scores.detach().cpu().double().numpy()
        labels = labels.detach().cpu().long().numpy()
        feats = feats.detach()
        if self.feats is None:
            self.feats = feats.new_zeros((0, *feats.shape[1:]))

        dets = np.flatnonzero(scores > self.obj_score_thr)
        # det_of[i]: input row of the detection that updated track i now
        det_of = np.full(self.num_tracks, -1, dtype=np.int64)
        unconfirmed = np.flatnonzero((self.states == TRACKED)
                                     & ~self.activated)
        pool = np.flatnonzero((self.states == LOST) | self.activated)

        # stage 1: appearance (+ motion) for confirmed and lost tracks
        self._predict(pool)
        rows = cols = np.zeros(0, dtype=np.int64)
        if pool.size and dets.size:
            cost = self._appearance_motion_cost(pool, boxes[dets],
                                                labels[dets], feats[dets])
            rows, cols = min_cost_assignment(cost, self.match_cost_limit)
        self._match(pool[rows], dets[cols], det_of, boxes, scores, labels,
                    feats)
        left = np.setdiff1d(pool, pool[rows])
        dets = np.setdiff1d(dets, dets[cols])

        # stage 2: IoU for the tracked ones among the rest
        left = left[self.states[left] == TRACKED]
        rows = cols = np.zeros(0, dtype=np.int64)
        if left.size and dets.size:
            rows, cols = min_cost_assignment(
                self._iou_cost(left, boxes[dets], labels[dets]),
                self.iou_cost_limit)
        self._match(left[rows], dets[cols], det_of, boxes, scores, labels,
                    feats)
        lost = np.setdiff1d(left, left[rows])
        dets = np.setdiff1d(dets, dets[cols])

        # stage 3: IoU for unconfirmed tracks
        rows = cols = np.zeros(0, dtype=np.int64)
        if unconfirmed.size and dets.size:
            rows, cols = min_cost_assignment(
                self._iou_cost(unconfirmed, boxes[dets], labels[dets]),
                self.unconfirmed_cost_limit)
        self._match(unconfirmed[rows], dets[cols], det_of, boxes, scores,
                    labels, feats)
        removed = np.setdiff1d(unconfirmed, unconfirmed[rows])
        dets = np.setdiff1d(dets, dets[cols])

        self.states[lost] = LOST
        keep = np.ones(self.num_tracks, dtype=bool)
        keep[removed] = False
        keep &= ~((self.states == LOST) &
                  (self.frame - self.lasts > self.max_time_lost))
        self._select(keep)
        det_of = det_of[keep]

        new = dets[scores[dets] >= self.init_score_thr]
        self._add_tracks(new, boxes, scores, labels, feats)
        det_of = np.concatenate([det_of, new])

        keep = self._remove_duplicates()
        self._select(keep)
        det_of = det_of[keep]

        out = np.flatnonzero((self.states == TRACKED) & self.activated)
        return dict(
            bboxes=_xyxy(self.means[out]),
            scores=self.scores[out].copy(),
            labels=self.labels[out].copy(),
            ids=self.ids[out].copy(),
            det_inds=det_of[out])

    def _match(self, rows: np.ndarray, dets: np.ndarray, det_of: np.ndarray,
               boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray,
               feats: Tensor) -> None:
        det_of[rows] = dets
        self._update(rows, dets, boxes, scores, labels, feats)

    def _add_tracks(self, dets: np.ndarray, boxes: np.ndarray,
                    scores: np.ndarray, labels: np.ndarray,
                    feats: Tensor) -> None:
        num = dets.size
        if num == 0:
            return
        init = [self.kf.initiate(m) for m in _xyah(boxes[dets])]
        new = dict(
            ids=np.arange(self.next_id, self.next_id + num, dtype=np.int64),
            means=np.stack([m for m, _ in init]),
            covs=np.stack([c for _, c in init]),
            states=np.full(num, TRACKED, dtype=np.int64),
            activated=np.full(num, self.frame == 1),
            starts=np.full(num, self.frame, dtype=np.int64),
            lasts=np.full(num, self.frame, dtype=np.int64),
            scores=scores[dets],
            labels=labels[dets])
        for name, value in new.items():
            setattr(self, name, np.concatenate([getattr(self, name), value]))
        self.feats = torch.cat(
            [self.feats, feats[torch.from_numpy(dets)].to(self.feats)])
        self.next_id += num

    def _remove_duplicates(self) -> np.ndarray:
        """Bool (T, ): tracks kept after tracked-lost duplicate removal."""
        keep = np.ones(self.num_tracks, dtype=bool)
        tracked = np.flatnonzero(self.states == TRACKED)
        lost = np.flatnonzero(self.states == LOST)
        if tracked.size == 0 or lost.size == 0:
            return keep
        boxes = self.boxes
        dup_p, dup_q = np.nonzero(
            1.0 - _iou(boxes[tracked], boxes[lost]) < self.dup_cost_thr)
        age = self.lasts - self.starts
        p, q = tracked[dup_p], lost[dup_q]
        older_tracked = age[p] > age[q]
        keep[q[older_tracked]] = False
        keep[p[~older_tracked]] = False
        return keep
