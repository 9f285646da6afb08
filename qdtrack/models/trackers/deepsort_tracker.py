"""DeepSORT association: gated appearance cascade, then IoU matching.

Simple Online and Realtime Tracking with a Deep Association Metric (Wojke,
Bewley, Paulus, 2017), vectorised over tracks: appearance costs, gates and
IoUs of all tracks are computed at once; the only loops are over the
distinct track ages of the matching cascade.
"""
from typing import Optional, Tuple, Union

import numpy as np
from scipy.optimize import linear_sum_assignment
from torch import Tensor

from qdtrack.registry import MODELS

from .sort_tracker import bbox_iou_matrix
from .xyah_kalman_filter import (
    CHI2INV95,
    XYAHKalmanFilter,
    bbox_xyah_to_xyxy,
    bbox_xyxy_to_xyah,
)

ArrayLike = Union[np.ndarray, Tensor]
INFTY_COST = 1e5


def min_cost_matching(cost: np.ndarray,
                      max_cost: float) -> Tuple[np.ndarray, np.ndarray]:
    """DeepSORT's assignment: Hungarian on costs clipped above ``max_cost``.

    Costs above ``max_cost`` are set to ``max_cost + 1e-5`` before the
    Hungarian algorithm and such pairs are dropped from its answer, as in
    the reference ``min_cost_matching``.

    Args:
        cost (np.ndarray): (R, C) costs.
        max_cost (float): Highest cost of a match.

    Returns:
        tuple[np.ndarray, np.ndarray]: matched rows and columns (K, ).
    """
    if cost.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    cost = np.where(cost > max_cost, max_cost + 1e-5, cost)
    rows, cols = linear_sum_assignment(cost)
    keep = cost[rows, cols] <= max_cost
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64)


@MODELS.register_module()
class DeepSORTTracker:
    """DeepSORT tracker on boxes and appearance embeddings.

    Per frame, after a Kalman prediction of every track
    (:class:`XYAHKalmanFilter`):

    1. Matching cascade (confirmed tracks): cost = smallest cosine distance
       between a detection's embedding and the track's gallery (its last
       ``budget`` embeddings); pairs whose squared Mahalanobis distance
       exceeds ``gate`` (chi-square 0.95, 4 dof: 9.4877) cost
       ``INFTY_COST``. Tracks are matched level by level, those missed for
       the fewest frames first, each level by :func:`min_cost_matching`
       with ``max_cosine_distance``.
    2. IoU matching of the tentative tracks and of the confirmed tracks
       missed only in the previous frame with the remaining detections
       (cost ``1 - IoU``, ``max_iou_distance``).
    3. Matched tracks are corrected, gain the embedding and a hit; a
       tentative track with ``n_init`` hits is confirmed. An unmatched
       tentative track is deleted, so is a track missed for more than
       ``max_age`` frames. Each unmatched detection starts a tentative
       track.

    Without embeddings (``embeds=None``) step 1 is skipped.

    Classes (e.g. TAO's, where every track is scored with a category): the
    reference associates class-agnostically and so does this tracker by
    default; a track's output label is then set by ``track_label``:
    ``'detection'``, the label of the box it is matched to in that frame
    (it may change from frame to frame), or ``'majority'``, the label most
    of the track's boxes so far had (a tie keeps the track's current
    label, so a track's label changes only when another one has strictly
    more boxes). With ``class_aware=True`` a track is matched only to boxes
    of its own label (both steps), so its label is that of its first box.

    Differences from the reference code (nwojke/deep_sort): a track is
    output only in frames where it was matched (the reference application
    also outputs confirmed tracks missed in the current frame, at the
    predicted box), and ``output='detection'`` can output the matched
    detection box instead of the corrected Kalman state.

    Track ids are int64 from 0 in every sequence; ``frame_id == 0`` starts
    a new sequence.

    Args:
        max_cosine_distance (float): Highest appearance cost of a match.
            Defaults to 0.2 (reference MOT16 setting).
        gate (float): Squared-Mahalanobis gate. Defaults to 9.4877.
        budget (int): Embeddings kept per track. Defaults to 100.
        max_iou_distance (float): Highest ``1 - IoU`` of an IoU match.
            Defaults to 0.7.
        max_age (int): Frames a confirmed track survives unmatched (also
            the cascade depth). Defaults to 30.
        n_init (int): Hits that confirm a track. Defaults to 3.
        score_thr (float): Detections scoring lower are ignored.
            Defaults to 0.
        output (str): ``'kalman'`` or ``'detection'`` boxes.
            Defaults to 'kalman'.
        class_aware (bool): Match tracks only to boxes of their label.
            Defaults to False (the reference).
        track_label (str): ``'detection'`` or ``'majority'`` (see above).
            Defaults to 'detection'.
        confirm_new (bool): New tracks start confirmed, so a track is
            output from its first box whatever ``n_init`` (for videos
            tracked at ~1 fps such as TAO's labelled frames, where waiting
            for hits hides seconds of every track). Defaults to False (the
            reference: a new track is tentative in its first frame, also
            with ``n_init=1``).
    """

    _FIELDS = ('means', 'covs', 'ids', 'labels', 'scores', 'hits', 'ages',
               'time_since_update', 'confirmed', 'gallery_block',
               'gallery_len', 'gallery_pos', 'label_votes')

    def __init__(self,
                 max_cosine_distance: float = 0.2,
                 gate: float = CHI2INV95[4],
                 budget: int = 100,
                 max_iou_distance: float = 0.7,
                 max_age: int = 30,
                 n_init: int = 3,
                 score_thr: float = 0.0,
                 output: str = 'kalman',
                 class_aware: bool = False,
                 track_label: str = 'detection',
                 confirm_new: bool = False) -> None:
        if output not in ('kalman', 'detection'):
            raise ValueError(f"output must be 'kalman' or 'detection', got "
                             f'{output!r}')
        if track_label not in ('detection', 'majority'):
            raise ValueError("track_label must be 'detection' or "
                             f"'majority', got {track_label!r}")
        for name, value in (('budget', budget), ('max_age', max_age),
                            ('n_init', n_init)):
            if int(value) != value or value < 1:
                raise ValueError(f'{name} must be an int >= 1, got {value}')
        self.max_cosine_distance = float(max_cosine_distance)
        self.gate = float(gate)
        self.budget = int(budget)
        self.max_iou_distance = float(max_iou_distance)
        self.max_age = int(max_age)
        self.n_init = int(n_init)
        self.score_thr = float(score_thr)
        self.output = output
        self.class_aware = bool(class_aware)
        self.track_label = track_label
        self.confirm_new = bool(confirm_new)
        self.kf = XYAHKalmanFilter()
        self.reset()

    def reset(self) -> None:
        """Forget every track (ids restart at 0)."""
        self.means = np.zeros((0, 8))
        self.covs = np.zeros((0, 8, 8))
        self.ids = np.zeros(0, dtype=np.int64)
        self.labels = np.zeros(0, dtype=np.int64)
        self.scores = np.zeros(0)
        self.hits = np.zeros(0, dtype=np.int64)
        self.ages = np.zeros(0, dtype=np.int64)
        self.time_since_update = np.zeros(0, dtype=np.int64)
        self.confirmed = np.zeros(0, dtype=bool)
        # galleries live in a pool of (budget, D) blocks, one per track, so
        # that adding or dropping tracks copies no gallery
        self._pool = np.zeros((0, self.budget, 0), dtype=np.float32)
        self._free = np.zeros(0, dtype=np.int64)
        self.gallery_block = np.zeros(0, dtype=np.int64)
        self.gallery_len = np.zeros(0, dtype=np.int64)
        self.gallery_pos = np.zeros(0, dtype=np.int64)
        # (T, C) boxes per label of each track (C = 0 unless 'majority')
        self.label_votes = np.zeros((0, 0), dtype=np.int64)
        self.next_id = 0
        self.last_frame_id = None

    @property
    def num_tracks(self) -> int:
        """Number of live tracks."""
        return len(self.ids)

    @property
    def gallery(self) -> np.ndarray:
        """(T, budget, D) L2-normalised galleries (a copy; slots at and
        after ``gallery_len`` are unused until the ring buffer is full)."""
        return self._pool[self.gallery_block]

    def _select(self, keep: np.ndarray) -> None:
        if keep.all():
            return
        self._free = np.concatenate([self._free, self.gallery_block[~keep]])
        for name in self._FIELDS:
            setattr(self, name, getattr(self, name)[keep])

    def appearance_cost(self, embeds: np.ndarray,
                        pairs: Optional[np.ndarray] = None) -> np.ndarray:
        """Smallest cosine distance of each track's gallery to each embedding.

        Gallery embeddings are stored L2-normalised, so a distance is one
        minus the largest dot product with the filled gallery slots.

        Args:
            embeds (np.ndarray): (N, D) embeddings.
            pairs (np.ndarray, optional): (T, N) bool: the only (track,
                detection) pairs to compute (e.g. those inside the motion
                gate); the others cost ``INFTY_COST``. None: all pairs.

        Returns:
            np.ndarray: (T, N) distances; ``INFTY_COST`` for an empty gallery.
        """
        num = len(embeds)
        cost = np.full((self.num_tracks, num), INFTY_COST)
        if self.num_tracks == 0 or num == 0:
            return cost
        if pairs is None:
            pairs = np.ones((self.num_tracks, num), dtype=bool)
        pairs = pairs & (self.gallery_len > 0)[:, None]
        rows = np.flatnonzero(pairs.any(axis=1))  # tracks with a pair
        if rows.size == 0:
            return cost
        # the filled slots of these tracks' galleries against every
        # detection in one product; few tracks have a detection inside
        # their gate, and young tracks few embeddings
        lens = self.gallery_len[rows]
        starts = np.cumsum(lens) - lens
        slot = np.arange(lens.sum()) - np.repeat(starts, lens)
        gallery = self._pool[np.repeat(self.gallery_block[rows], lens), slot]
        best = np.maximum.reduceat(gallery @ _unit(embeds).T, starts, axis=0)
        cost[rows] = np.where(pairs[rows], 1.0 - best, INFTY_COST)
        return cost

    def _add_embeds(self, rows: np.ndarray, embeds: np.ndarray) -> None:
        """Append one embedding per track row (ring buffer of ``budget``)."""
        if embeds is None or rows.size == 0:
            return
        pos = self.gallery_pos[rows]
        self._pool[self.gallery_block[rows], pos] = _unit(embeds)
        self.gallery_pos[rows] = (pos + 1) % self.budget
        self.gallery_len[rows] = np.minimum(self.gallery_len[rows] + 1,
                                            self.budget)

    def _cascade(self, cost: np.ndarray, dets: np.ndarray
                 ) -> Tuple[np.ndarray, np.ndarray]:
        """Matching cascade of confirmed tracks by time since update."""
        rows, cols = [], []
        free = np.ones(cost.shape[1], dtype=bool)
        for level in np.unique(self.time_since_update[self.confirmed]):
            if level > self.max_age or not free.any():
                break
            trk = np.flatnonzero(self.confirmed
                                 & (self.time_since_update == level))
            det = np.flatnonzero(free)
            r, c = min_cost_matching(cost[np.ix_(trk, det)],
                                     self.max_cosine_distance)
            rows.append(trk[r])
            cols.append(det[c])
            free[det[c]] = False
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        return np.concatenate(rows), np.concatenate(cols)

    def track(self,
              bboxes: ArrayLike,
              scores: ArrayLike,
              embeds: Optional[ArrayLike] = None,
              labels: Optional[ArrayLike] = None,
              frame_id: Optional[int] = None) -> dict:
        """Track the detections of one frame.

        Args:
            bboxes (np.ndarray | Tensor): (N, 4) ``[x1, y1, x2, y2]``;
                boxes without area are ignored.
            scores (np.ndarray | Tensor): (N, ) scores.
            embeds (np.ndarray | Tensor, optional): (N, D) appearance
                embeddings. None skips the appearance cascade.
            labels (np.ndarray | Tensor, optional): (N, ) labels >= 0 (0
                if None); used to associate only with ``class_aware``.
            frame_id (int, optional): 0-based frame index; 0 starts a
                sequence; None: the next frame.

        Returns:
            dict: numpy arrays of the tracks output in this frame (ordered
            by id): ``bboxes`` (M, 4), ``scores`` (M, ), ``labels`` (M, ),
            ``ids`` (M, ) and ``det_inds`` (M, ) (row of the detection).
        """
        boxes = _np(bboxes, np.float64).reshape(-1, 4)
        det_scores = _np(scores, np.float64).reshape(-1)
        num = len(boxes)
        if det_scores.shape != (num, ):
            raise ValueError(f'scores must have shape ({num},), got '
                             f'{det_scores.shape}')
        det_labels = (np.zeros(num, dtype=np.int64) if labels is None else
                      _np(labels, np.int64).reshape(-1))
        if det_labels.shape != (num, ) or (num and det_labels.min() < 0):
            raise ValueError(f'labels must be ({num},) integers >= 0, got '
                             f'{det_labels.tolist()}')
        feats = None
        if embeds is not None:
            feats = _np(embeds, np.float32)
            if feats.ndim != 2 or len(feats) != num:
                raise ValueError(f'embeds must have shape ({num}, D), got '
                                 f'{feats.shape}')
        steps = self._start_frame(frame_id)
        if feats is not None and self._pool.shape[2] != feats.shape[1]:
            if self.num_tracks:
                raise ValueError('embedding size changed within a sequence')
            self._pool = np.zeros((0, self.budget, feats.shape[1]),
                                  dtype=np.float32)
            self._free = np.zeros(0, dtype=np.int64)

        if self.num_tracks and steps:
            for _ in range(steps):
                self.means, self.covs = self.kf.predict(self.means,
                                                        self.covs)
            self.ages += 1
            self.time_since_update += 1

        valid = np.flatnonzero((det_scores >= self.score_thr)
                               & (boxes[:, 2] > boxes[:, 0])
                               & (boxes[:, 3] > boxes[:, 1]))
        xyah = bbox_xyxy_to_xyah(boxes[valid])
        match_t = np.zeros(0, dtype=np.int64)
        match_d = np.zeros(0, dtype=np.int64)
        if feats is not None and self.num_tracks and valid.size:
            maha = self.kf.gating_distance(self.means, self.covs, xyah)
            # only confirmed tracks enter the cascade; gated pairs cost
            # INFTY_COST, so only pairs inside the gate are computed
            pairs = self.confirmed[:, None] & (maha <= self.gate)
            if self.class_aware:
                pairs &= self.labels[:, None] == det_labels[valid][None]
            cost = self.appearance_cost(feats[valid], pairs)
            match_t, match_d = self._cascade(cost, valid)
        # IoU matching: tentative tracks and tracks missed one frame
        cand = ~np.isin(np.arange(self.num_tracks), match_t) & (
            ~self.confirmed | (self.time_since_update == 1))
        trk = np.flatnonzero(cand)
        det = np.setdiff1d(np.arange(valid.size), match_d)
        if trk.size and det.size:
            iou = bbox_iou_matrix(bbox_xyah_to_xyxy(self.means[trk]),
                                  boxes[valid[det]])
            if self.class_aware:  # other classes: IoU 0, never matched
                iou = np.where(self.labels[trk][:, None]
                               == det_labels[valid[det]][None], iou, 0.0)
            r, c = min_cost_matching(1.0 - iou, self.max_iou_distance)
            match_t = np.concatenate([match_t, trk[r]])
            match_d = np.concatenate([match_d, det[c]])

        det_of_track = np.full(self.num_tracks, -1, dtype=np.int64)
        if match_t.size:
            rows = valid[match_d]
            det_of_track[match_t] = rows
            self.means[match_t], self.covs[match_t] = self.kf.update(
                self.means[match_t], self.covs[match_t], xyah[match_d])
            self.scores[match_t] = det_scores[rows]
            self._update_labels(match_t, det_labels[rows])
            self.hits[match_t] += 1
            self.time_since_update[match_t] = 0
            self.confirmed[match_t] |= self.hits[match_t] >= self.n_init
            self._add_embeds(match_t, None if feats is None else feats[rows])

        unmatched = det_of_track < 0
        keep = ~((unmatched & ~self.confirmed)
                 | (self.time_since_update > self.max_age))
        self._select(keep)
        det_of_track = det_of_track[keep]

        new = valid[np.setdiff1d(np.arange(valid.size), match_d)]
        self._add_tracks(new, boxes, det_scores, det_labels, feats)
        det_of_track = np.concatenate([det_of_track, new])

        out = np.flatnonzero(self.confirmed & (self.time_since_update == 0))
        out = out[np.argsort(self.ids[out], kind='stable')]
        out_dets = det_of_track[out]
        out_boxes = (bbox_xyah_to_xyxy(self.means[out])
                     if self.output == 'kalman' else boxes[out_dets])
        out_labels = (self.labels[out] if self.track_label == 'majority'
                      else det_labels[out_dets])
        return dict(bboxes=out_boxes.reshape(-1, 4),
                    scores=det_scores[out_dets], labels=out_labels.copy(),
                    ids=self.ids[out].copy(), det_inds=out_dets)

    def _update_labels(self, rows: np.ndarray, labels: np.ndarray) -> None:
        """Give matched tracks (rows) their boxes' labels."""
        if self.track_label != 'majority':
            self.labels[rows] = labels
            return
        self._grow_votes(labels)
        np.add.at(self.label_votes, (rows, labels), 1)
        votes = self.label_votes[rows]
        current = votes[np.arange(len(rows)), self.labels[rows]]
        self.labels[rows] = np.where(current < votes.max(axis=1),
                                     votes.argmax(axis=1), self.labels[rows])

    def _grow_votes(self, labels: np.ndarray) -> None:
        """Widen ``label_votes`` to hold every label in ``labels``."""
        need = int(labels.max()) + 1 if labels.size else 0
        have = self.label_votes.shape[1]
        if need > have:
            self.label_votes = np.pad(self.label_votes,
                                      ((0, 0), (0, need - have)))

    def _start_frame(self, frame_id: Optional[int]) -> int:
        if frame_id is None:
            frame_id = 0 if self.last_frame_id is None else (
                self.last_frame_id + 1)
        frame_id = int(frame_id)
        if frame_id < 0:
            raise ValueError(f'frame_id must be >= 0, got {frame_id}')
        if frame_id == 0 and self.last_frame_id is not None:
            self.reset()
        if self.last_frame_id is None:
            steps = 0
        elif frame_id <= self.last_frame_id:
            raise ValueError(f'frame_id must increase within a sequence: '
                             f'got {frame_id} after {self.last_frame_id}')
        else:
            steps = frame_id - self.last_frame_id
        self.last_frame_id = frame_id
        return steps

    def _take_blocks(self, num: int) -> np.ndarray:
        """``num`` free gallery blocks (the pool doubles when full)."""
        if len(self._free) < num:
            old = len(self._pool)
            size = max(2 * old, old + num - len(self._free), 16)
            pool = np.zeros((size, ) + self._pool.shape[1:],
                            dtype=np.float32)
            pool[:old] = self._pool
            self._pool = pool
            self._free = np.concatenate(
                [self._free, np.arange(old, size, dtype=np.int64)])
        blocks, self._free = self._free[:num], self._free[num:]
        return blocks

    def _add_tracks(self, rows: np.ndarray, boxes: np.ndarray,
                    scores: np.ndarray, labels: np.ndarray,
                    feats: Optional[np.ndarray]) -> None:
        num = rows.size
        if num == 0:
            return
        means, covs = self.kf.initiate(bbox_xyxy_to_xyah(boxes[rows]))
        ones = np.ones(num, dtype=np.int64)
        blocks = self._take_blocks(num)
        if self.track_label == 'majority':
            self._grow_votes(labels[rows])
        votes = np.zeros((num, self.label_votes.shape[1]), dtype=np.int64)
        if self.track_label == 'majority':
            votes[np.arange(num), labels[rows]] = 1
        new = dict(
            means=means, covs=covs,
            ids=np.arange(self.next_id, self.next_id + num, dtype=np.int64),
            labels=labels[rows], scores=scores[rows], hits=ones, ages=ones,
            time_since_update=np.zeros(num, dtype=np.int64),
            confirmed=np.full(num, self.confirm_new),
            gallery_block=blocks,
            gallery_len=np.zeros(num, dtype=np.int64),
            gallery_pos=np.zeros(num, dtype=np.int64),
            label_votes=votes)
        start = self.num_tracks
        for name in self._FIELDS:
            setattr(self, name,
                    np.concatenate([getattr(self, name), new[name]]))
        self.next_id += num
        if feats is not None:
            self._add_embeds(np.arange(start, start + num), feats[rows])


def _unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero)."""
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _np(value: ArrayLike, dtype) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=dtype)
