"""The QDTrack track manager: memory of tracks and backdrops, association."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmdet.structures.bbox import bbox_overlaps
from mmengine.structures import InstanceData
from torch import Tensor

from qdtrack.registry import MODELS

from .matching import MATCH_METHODS, match
from .similarity import MATCH_METRICS, match_similarity


def _select(memory: Dict[str, Tensor], inds) -> Dict[str, Tensor]:
    """Rows ``inds`` (index tensor, list or slice) of every field."""
    return {k: v[inds] for k, v in memory.items()}


def _cat(first: Dict[str, Tensor],
         second: Dict[str, Tensor]) -> Dict[str, Tensor]:
    return {k: torch.cat([first[k], second[k]]) for k in first}


@MODELS.register_module()
class QuasiDenseTrackManager:
    """Track manager of QDTrack, shared by QDTrack, MASA and SimpleReID.

    It keeps a memory of *tracks* (id, embedding updated with momentum, last
    box, label, score and frame) and of *backdrops* (unmatched detections of
    the last ``num_frames_backdrop`` frames, which absorb false positives
    that resemble them). For each frame (:meth:`track`):

    1. Detections are sorted by score (descending, stable).
    2. Duplicates are removed: a detection is dropped if its IoU with any
       higher-scored detection (of any class unless ``nms_with_cats``) is
       above ``nms_class_iou_thr`` (score >= ``nms_score_thr``) or
       ``nms_backdrop_iou_thr`` (score < ``nms_score_thr``).
    3. Similarity with the memory (tracks then backdrops, newest backdrop
       frame first) by ``match_metric``; pairs of different categories are
       excluded when ``with_cats``.
    4. Association by ``match_method``. A detection with score above
       ``obj_score_thr`` matched (similarity above ``match_score_thr``) to a
       track continues it. A detection with a lower score matched to a track
       with similarity above ``nms_conf_thr`` is considered a duplicate of it
       and dropped (neither output nor kept as a backdrop). A detection
       whose best match is a backdrop continues no track (it may still
       start one in step 5): backdrops absorb false positives.
    5. Unmatched detections with score above ``init_score_thr`` start new
       tracks (ids 0, 1, 2, ... in score order).
    6. Matched tracks are updated; the remaining unmatched detections that do
       not overlap (IoU > ``nms_backdrop_iou_thr``) a higher-scored
       detection become this frame's backdrops.

    Momentum convention: following the public QDTrack and mmdet code,
    ``memo_momentum`` m weights the NEW embedding,
    ``embed = (1 - m) * embed + m * new_embed`` (m = 0.8 keeps 20% of the
    history). ``score_momentum`` follows the same convention for the score
    of a matched detection (1.0, the default, disables score smoothing).

    Output: only the tracked detections are returned, in descending score
    order (the order of step 1, stable for ties), with ``det_inds`` giving
    the row of each in the input. Rows that were not tracked are dropped.

    Compatibility with mmdet 3.3 ``QuasiDenseTracker`` (and the public
    ``QuasiDenseEmbedTracker``): with the same parameters
    (``memo_tracklet_frames`` -> ``num_frames_retain``,
    ``memo_backdrop_frames`` -> ``num_frames_backdrop``) and the defaults of
    the extra ones (``match_method='greedy'``, ``nms_score_thr=None``,
    ``nms_with_cats=False``, ``mask_cats_before_softmax=False``,
    ``score_momentum=1.0``), the ids are identical on streams of consecutive
    frames with at least one detection and without tied scores. Deliberate
    differences, where mmdet's behaviour is accidental:

    - Memory ages by ``frame_id``: a track can be matched up to
      ``num_frames_retain`` frames after it was last seen and a backdrop up
      to ``num_frames_backdrop`` frames after its frame, also across frames
      without detections and skipped frame ids. mmdet returns early on a
      frame without detections without ageing its memory, so its tracks and
      backdrops survive such frames.
    - The score sort is stable, so tied scores keep their input order
      (``torch.sort`` is not stable, making mmdet's order undefined).
    - Everything stays on the input device (except the Hungarian
      assignment, solved by SciPy on the CPU); mmdet builds ids on the CPU.
    - Pairs excluded by ``with_cats`` (and taken tracks) get ``-inf`` instead
      of 0; this gives the same result for any ``match_score_thr >= 0``.

    Extra options, for the presets of the public code:
    ``mask_cats_before_softmax`` (the public TAO tracker normalises the
    softmaxes over same-category items only), ``nms_score_thr`` and
    ``nms_with_cats`` (its distractor removal: class-aware, for scores below
    0.5 only), ``score_momentum`` (its score smoothing), ``'masa'`` metric
    ((bi-softmax + cosine) / 2) and ``match_method='hungarian'``.

    Args:
        init_score_thr (float): Score above which an unmatched detection
            starts a new track. Defaults to 0.8.
        obj_score_thr (float): Score above which a detection may continue a
            track. Defaults to 0.5.
        match_score_thr (float): Similarity above which a detection matches
            a memory item. Defaults to 0.5.
        num_frames_retain (int): A track is matched only if it was seen in
            the last ``num_frames_retain`` frames. Defaults to 10.
        num_frames_backdrop (int): Backdrops are kept for this many frames;
            0 disables backdrops. Defaults to 1.
        memo_momentum (float): Weight of the new embedding when a track is
            updated (see above). Defaults to 0.8.
        score_momentum (float): Weight of the new score of a matched
            detection; the output and stored score is
            ``m * score + (1 - m) * track_score``. Defaults to 1.0.
        nms_conf_thr (float): Similarity above which a low-score detection
            matched to a track is dropped as its duplicate. Defaults to 0.5.
        nms_backdrop_iou_thr (float): IoU threshold of duplicate removal for
            low-score detections, and of backdrop de-duplication. Defaults
            to 0.3.
        nms_class_iou_thr (float): IoU threshold of duplicate removal for
            high-score detections (1.0 disables it). Defaults to 0.7.
        nms_score_thr (float, optional): Score below which
            ``nms_backdrop_iou_thr`` applies in duplicate removal. Defaults
            to None (``obj_score_thr``).
        nms_with_cats (bool): Remove duplicates within a category only.
            Defaults to False (across categories).
        with_cats (bool): Associate only detections and memory items of the
            same category. Defaults to True.
        mask_cats_before_softmax (bool): With ``with_cats``, normalise the
            softmaxes over same-category pairs only. Defaults to False.
        match_metric (str): ``'bisoftmax'``, ``'softmax'``, ``'cosine'`` or
            ``'masa'``. Defaults to ``'bisoftmax'``.
        match_method (str): ``'greedy'`` (detections in score order take
            their best memory item) or ``'hungarian'`` (optimal one-to-one
            assignment, see
            :func:`~qdtrack.models.trackers.matching.hungarian_match`).
            Defaults to ``'greedy'``.
    """

    def __init__(self,
                 init_score_thr: float = 0.8,
                 obj_score_thr: float = 0.5,
                 match_score_thr: float = 0.5,
                 num_frames_retain: int = 10,
                 num_frames_backdrop: int = 1,
                 memo_momentum: float = 0.8,
                 score_momentum: float = 1.0,
                 nms_conf_thr: float = 0.5,
                 nms_backdrop_iou_thr: float = 0.3,
                 nms_class_iou_thr: float = 0.7,
                 nms_score_thr: Optional[float] = None,
                 nms_with_cats: bool = False,
                 with_cats: bool = True,
                 mask_cats_before_softmax: bool = False,
                 match_metric: str = 'bisoftmax',
                 match_method: str = 'greedy') -> None:
        if not 0 <= memo_momentum <= 1:
            raise ValueError('memo_momentum must be in [0, 1]')
        if not 0 <= score_momentum <= 1:
            raise ValueError('score_momentum must be in [0, 1]')
        if num_frames_retain < 0 or num_frames_backdrop < 0:
            raise ValueError('numbers of frames must be >= 0')
        if min(nms_backdrop_iou_thr, nms_class_iou_thr) < 0:
            raise ValueError('IoU thresholds must be >= 0')
        if match_metric not in MATCH_METRICS:
            raise ValueError(f'match_metric must be one of {MATCH_METRICS}, '
                             f'got {match_metric!r}')
        if match_method not in MATCH_METHODS:
            raise ValueError(f'match_method must be one of {MATCH_METHODS}, '
                             f'got {match_method!r}')
        self.init_score_thr = init_score_thr
        self.obj_score_thr = obj_score_thr
        self.match_score_thr = match_score_thr
        self.num_frames_retain = num_frames_retain
        self.num_frames_backdrop = num_frames_backdrop
        self.memo_momentum = memo_momentum
        self.score_momentum = score_momentum
        self.nms_conf_thr = nms_conf_thr
        self.nms_backdrop_iou_thr = nms_backdrop_iou_thr
        self.nms_class_iou_thr = nms_class_iou_thr
        self.nms_score_thr = (
            obj_score_thr if nms_score_thr is None else nms_score_thr)
        self.nms_with_cats = nms_with_cats
        self.with_cats = with_cats
        self.mask_cats_before_softmax = mask_cats_before_softmax
        self.match_metric = match_metric
        self.match_method = match_method
        self.reset()

    def reset(self) -> None:
        """Forget all tracks and backdrops (call it between videos).

        After a reset, ``tracks`` is None until the next call of
        :meth:`track`; then it is a dict of tensors, in creation order, with
        keys ``ids`` (T, ), ``embeds`` (T, D), ``bboxes`` (T, 4), ``labels``
        (T, ), ``scores`` (T, ) and ``frame_ids`` (T, ) (last frame seen).
        Backdrops are kept per frame, newest first, in ``backdrop_frames``:
        a list of ``(frame_id, dict(embeds, bboxes, labels))``.
        """
        self.num_tracks = 0
        self.last_frame_id: Optional[int] = None
        self.tracks: Optional[Dict[str, Tensor]] = None
        self.backdrop_frames: List[Tuple[int, Dict[str, Tensor]]] = []

    @property
    def empty(self) -> bool:
        """bool: Whether there is no track in memory."""
        return self.tracks is None or self.tracks['ids'].numel() == 0

    @property
    def backdrops(self) -> Optional[Dict[str, Tensor]]:
        """dict[str, Tensor] | None: All backdrops, newest frame first.

        Keys ``embeds`` (B, D), ``bboxes`` (B, 4), ``labels`` (B, ) and
        ``frame_ids`` (B, ); None before the first frame.
        """
        if self.tracks is None:
            return None
        memo = self._memory(('embeds', 'bboxes', 'labels'),
                            with_tracks=False)
        memo['frame_ids'] = torch.cat([
            torch.full_like(b['labels'], f, dtype=torch.long)
            for f, b in self.backdrop_frames
        ] + [self.tracks['frame_ids'][:0]])
        return memo

    def _memory(self,
                keys: Sequence[str],
                with_tracks: bool = True) -> Dict[str, Tensor]:
        """Concatenate fields of the tracks (first) and of the backdrops."""
        tracks = self.tracks if with_tracks else _select(self.tracks,
                                                         slice(0, 0))
        parts = [tracks]
        parts += [b for _, b in self.backdrop_frames]
        if len(parts) == 1:
            return {k: parts[0][k] for k in keys}
        return {k: torch.cat([p[k] for p in parts]) for k in keys}

    def _init_memory(self, bboxes: Tensor, scores: Tensor, labels: Tensor,
                     embeds: Tensor) -> None:
        """Create an empty track memory like the inputs (dtype, device)."""
        frame_ids = torch.zeros(0, dtype=torch.long, device=bboxes.device)
        self.tracks = dict(
            ids=frame_ids,
            embeds=embeds[:0].clone(),
            bboxes=bboxes[:0].clone(),
            labels=labels[:0].clone(),
            scores=scores[:0].clone(),
            frame_ids=frame_ids.clone())

    def _forget(self, frame_id: int) -> None:
        """Drop tracks and backdrops too old to be matched at ``frame_id``.

        Called after each update with the next frame id, so that the memory
        holds exactly what the next frame can match, and before matching
        when frames were skipped.
        """
        stale = self.tracks['frame_ids'] < frame_id - self.num_frames_retain
        if bool(stale.any()):
            self.tracks = _select(self.tracks,
                                  torch.nonzero(~stale).squeeze(1))
        self.backdrop_frames = [
            (f, b) for f, b in self.backdrop_frames
            if frame_id - f <= self.num_frames_backdrop
        ]

    def _remove_duplicates(
            self, ious: Tensor, scores: Tensor,
            labels: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        """Find duplicates among the detections sorted by score.

        A detection is a duplicate if its IoU with any higher-scored one is
        above its threshold (``nms_backdrop_iou_thr`` below
        ``nms_score_thr``, else ``nms_class_iou_thr``), whether or not that
        one is itself a duplicate (the public rule, not a sequential NMS).

        Args:
            ious (Tensor): IoUs of the sorted detections, shape (N, N).
            scores (Tensor): Sorted scores, shape (N, ).
            labels (Tensor, optional): Sorted labels, shape (N, ); needed
                only with ``nms_with_cats``.

        Returns:
            tuple[Tensor, Tensor]: ``keep`` (N, ), boolean, and
            ``max_iou_kept`` (N, ): the largest IoU of each detection with a
            higher-scored kept detection (0 for none), used to select
            backdrops.
        """
        # IoUs with higher-scored detections only (strictly lower triangle)
        earlier = ious.tril(diagonal=-1)
        thrs = torch.where(scores < self.nms_score_thr,
                           self.nms_backdrop_iou_thr, self.nms_class_iou_thr)
        if self.nms_with_cats:
            same_cat = labels[:, None] == labels[None, :]
            keep = earlier.mul(same_cat).amax(dim=1) <= thrs
        else:
            keep = earlier.amax(dim=1) <= thrs
        max_iou_kept = earlier.mul(keep).amax(dim=1)
        return keep, max_iou_kept

    def _associate(self, scores: Tensor, labels: Tensor,
                   embeds: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Match the detections with the memory.

        Args:
            scores (Tensor): Scores of shape (N, ), sorted descending.
            labels (Tensor): Labels of shape (N, ).
            embeds (Tensor): Embeddings of shape (N, D).

        Returns:
            tuple[Tensor, Tensor, Tensor]: ``ids`` (N, ): the continued
            track's id, -2 for dropped duplicates of a track, -1 otherwise;
            ``rows`` (K, ) and ``track_pos`` (K, ): the detections that
            continue a track and that track's position in memory.
        """
        num_tracks = self.tracks['ids'].numel()
        memo = self._memory(('embeds', 'labels') if self.with_cats else
                            ('embeds', ))
        memo_embeds = memo['embeds']
        valid = None
        if self.with_cats:
            valid = labels[:, None] == memo['labels'][None, :]
        sim = match_similarity(embeds, memo_embeds, self.match_metric, valid,
                               self.mask_cats_before_softmax)
        # tracks come first in memory, backdrops after
        takeable = torch.arange(
            memo_embeds.size(0), device=embeds.device) < num_tracks
        can_take = scores > self.obj_score_thr
        cols, confs = match(sim, self.match_score_thr, takeable, can_take,
                            self.match_method)
        to_track = (cols >= 0) & (cols < num_tracks)
        continued = to_track & can_take
        duplicate = to_track & ~can_take & (confs > self.nms_conf_thr)
        matched_ids = self.tracks['ids'][cols.clamp(0, num_tracks - 1)]
        ids = torch.where(continued, matched_ids, -1)
        ids = torch.where(duplicate, -2, ids)
        rows = torch.nonzero(continued).squeeze(1)
        return ids, rows, cols[rows]

    @torch.no_grad()
    def track(self,
              bboxes: Tensor,
              scores: Tensor,
              labels: Tensor,
              embeds: Tensor,
              frame_id: int,
              init_mask: Optional[Tensor] = None) -> InstanceData:
        """Associate the detections of one frame with the memory.

        Args:
            bboxes (Tensor): Boxes of shape (N, 4), (x1, y1, x2, y2).
            scores (Tensor): Detection scores of shape (N, ).
            labels (Tensor): Category labels of shape (N, ).
            embeds (Tensor): Embeddings of shape (N, D).
            frame_id (int): Index of the frame in its video; must increase
                between calls until :meth:`reset`.
            init_mask (Tensor, optional): Bool (N, ): detections allowed to
                start a new track (e.g. the MOT17 public-detection protocol,
                see :func:`qdtrack.models.mot.public_detections.
                public_init_mask`). None allows all. Defaults to None.

        Returns:
            :obj:`InstanceData`: The tracked detections, in descending score
            order, with ``bboxes`` (K, 4), ``scores`` (K, ), ``labels``
            (K, ), ``ids`` (K, ) (track ids, >= 0) and ``det_inds`` (K, )
            (row of each in the input). Detections not tracked are dropped.
        """
        num_dets = bboxes.size(0)
        if bboxes.dim() != 2 or bboxes.size(1) != 4:
            raise ValueError(f'bboxes must be (N, 4), got {bboxes.shape}')
        if not (scores.shape == labels.shape == (num_dets, )
                and embeds.dim() == 2 and embeds.size(0) == num_dets):
            raise ValueError('scores, labels and embeds must have one row '
                             'per box')
        if init_mask is not None and init_mask.shape != (num_dets, ):
            raise ValueError(f'init_mask must be ({num_dets}, ), got '
                             f'{tuple(init_mask.shape)}')
        if self.tracks is None:
            self._init_memory(bboxes, scores, labels, embeds)
        elif frame_id <= self.last_frame_id:
            raise ValueError(
                f'frame_id {frame_id} after {self.last_frame_id}: frame ids '
                'must increase; call reset() between videos')
        elif frame_id > self.last_frame_id + 1:
            self._forget(frame_id)  # frames were skipped
        self.last_frame_id = frame_id
        if num_dets == 0:
            self._forget(frame_id + 1)
            return InstanceData(
                bboxes=bboxes,
                scores=scores,
                labels=labels,
                ids=labels.new_zeros(0, dtype=torch.long),
                det_inds=labels.new_zeros(0, dtype=torch.long))

        scores, order = torch.sort(scores, descending=True, stable=True)
        sorted_bboxes = bboxes[order]
        keep, max_iou_kept = self._remove_duplicates(
            bbox_overlaps(sorted_bboxes, sorted_bboxes), scores,
            labels[order] if self.nms_with_cats else None)
        kept = torch.nonzero(keep).squeeze(1)
        if kept.numel() == num_dets:  # no duplicate
            det_inds, bboxes = order, sorted_bboxes
        else:
            det_inds, bboxes = order[kept], sorted_bboxes[kept]
            scores, max_iou_kept = scores[kept], max_iou_kept[kept]
        labels, embeds = labels[det_inds], embeds[det_inds]

        if self.empty:
            ids = torch.full_like(det_inds, -1)
            rows = track_pos = det_inds[:0]
        else:
            ids, rows, track_pos = self._associate(scores, labels, embeds)
        new = (ids == -1) & (scores > self.init_score_thr)
        if init_mask is not None:
            new &= init_mask.to(new.device)[det_inds]
        ids = torch.where(new, new.cumsum(0) + (self.num_tracks - 1), ids)
        self.num_tracks += int(new.sum())

        scores = self._update_tracks(rows, track_pos, new, ids, bboxes,
                                     scores, labels, embeds, frame_id)
        if self.num_frames_backdrop > 0:
            backdrop = (ids == -1) & (
                max_iou_kept <= self.nms_backdrop_iou_thr)
            self._add_backdrops(backdrop, bboxes, labels, embeds, frame_id)
        self._forget(frame_id + 1)

        out = torch.nonzero(ids >= 0).squeeze(1)
        return InstanceData(
            bboxes=bboxes[out],
            scores=scores[out],
            labels=labels[out],
            ids=ids[out],
            det_inds=det_inds[out])

    def _update_tracks(self, rows: Tensor, track_pos: Tensor, new: Tensor,
                       ids: Tensor, bboxes: Tensor, scores: Tensor,
                       labels: Tensor, embeds: Tensor,
                       frame_id: int) -> Tensor:
        """Update continued tracks, append new ones.

        Args:
            rows (Tensor): Detections continuing a track, shape (K, ).
            track_pos (Tensor): Their tracks' positions in memory, (K, ).
            new (Tensor): Boolean mask (N, ) of detections starting a track.
            ids (Tensor): Track ids (N, ).
            bboxes, scores, labels, embeds (Tensor): The detections,
                (N, 4), (N, ), (N, ), (N, D).
            frame_id (int): Current frame.

        Returns:
            Tensor: Scores of the detections after score smoothing, (N, ).
        """
        tracks = self.tracks
        if rows.numel() > 0:
            m = self.memo_momentum
            tracks['embeds'][track_pos] = (
                (1 - m) * tracks['embeds'][track_pos] + m * embeds[rows])
            if self.score_momentum < 1:
                s = self.score_momentum
                scores = scores.clone()
                scores[rows] = (
                    s * scores[rows] + (1 - s) * tracks['scores'][track_pos])
            tracks['bboxes'][track_pos] = bboxes[rows]
            tracks['labels'][track_pos] = labels[rows]
            tracks['scores'][track_pos] = scores[rows]
            tracks['frame_ids'][track_pos] = frame_id
        new_rows = torch.nonzero(new).squeeze(1)
        if new_rows.numel() > 0:
            self.tracks = _cat(
                tracks,
                dict(
                    ids=ids[new_rows],
                    embeds=embeds[new_rows],
                    bboxes=bboxes[new_rows],
                    labels=labels[new_rows],
                    scores=scores[new_rows],
                    frame_ids=torch.full_like(new_rows, frame_id)))
        return scores

    def _add_backdrops(self, backdrop: Tensor, bboxes: Tensor,
                       labels: Tensor, embeds: Tensor, frame_id: int) -> None:
        """Keep the detections in the boolean mask ``backdrop`` (N, )."""
        rows = torch.nonzero(backdrop).squeeze(1)
        if rows.numel() > 0:
            self.backdrop_frames.insert(
                0, (frame_id,
                    dict(
                        embeds=embeds[rows],
                        bboxes=bboxes[rows],
                        labels=labels[rows])))
