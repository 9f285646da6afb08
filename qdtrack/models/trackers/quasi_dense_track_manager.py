"""The QDTrack track manager: memory of tracks and backdrops, association."""
from typing import Dict, Optional, Tuple

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from qdtrack.registry import MODELS

from .box_iou import box_iou
from .distance_prior import centre_distance_prior
from .matching import MATCH_METHODS, match
from .mmdet_compat import resolve_alias
from .point_similarity import POINT_METRICS
from .similarity import MATCH_METRICS, match_similarity


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
    3. Similarity with every memory item (tracks and backdrops) by
       ``match_metric``; pairs of different categories are excluded when
       ``with_cats``.
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
    frames with at least one detection and without tied scores or
    similarities. Deliberate differences, where mmdet's behaviour is
    accidental:

    - Memory ages by ``frame_id``: a track can be matched up to
      ``num_frames_retain`` frames after it was last seen and a backdrop up
      to ``num_frames_backdrop`` frames after its frame, also across frames
      without detections and skipped frame ids. mmdet returns early on a
      frame without detections without ageing its memory, so its tracks and
      backdrops survive such frames.
    - The score sort is stable, so tied scores keep their input order
      (``torch.sort`` is not stable, making mmdet's order undefined).
    - Memory items are stored in insertion order (tracks and backdrops
      interleaved; mmdet puts tracks first): a detection with exactly equal
      similarity to two items may pick a different one.
    - Everything stays on the input device (except the Hungarian
      assignment, solved by SciPy on the CPU); mmdet builds ids on the CPU.
    - Pairs excluded by ``with_cats`` (and taken tracks) get ``-inf`` instead
      of 0; this gives the same result for any ``match_score_thr >= 0``.

    Extra options, for the presets of the public code:
    ``mask_cats_before_softmax`` (the public TAO tracker normalises the
    softmaxes over same-category items only), ``nms_score_thr`` and
    ``nms_with_cats`` (its distractor removal: class-aware, for scores below
    0.5 only), ``score_momentum`` (its score smoothing), ``'masa'`` metric
    ((bi-softmax + cosine) / 2), ``match_method='hungarian'``, and the
    centre-distance prior of the public TAO tracker (``max_distance``,
    ``fps``; see :func:`~qdtrack.models.trackers.distance_prior.
    centre_distance_prior`): before association each similarity is
    multiplied by a weight that is 1 while the detection's centre is
    within ``max_distance * exp(gap / (fps / 6))`` of the memory item's
    last box centre (``gap``: frames since it was seen) and decays as
    ``exp(-excess / (100 / fps))`` beyond, so far matches fall below
    ``match_score_thr``. Off by default (``max_distance=-1``), as in the
    released MASA configs. Distances are in the pixels of the given boxes.

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
        match_metric (str): ``'bisoftmax'``, ``'softmax'``, ``'cosine'``,
            ``'masa'``, or UniTrack's ``'rsm'``, ``'global'`` and
            ``'center'``, which take point features (N, C, H, W) as
            ``embeds`` (memory rows keep that shape; momentum averages
            them point by point). Defaults to ``'bisoftmax'``.
        match_method (str): ``'greedy'`` (detections in score order take
            their best memory item) or ``'hungarian'`` (optimal one-to-one
            assignment, see
            :func:`~qdtrack.models.trackers.matching.hungarian_match`).
            Defaults to ``'greedy'``.
        memo_tracklet_frames (int, optional): mmdet's name of
            ``num_frames_retain`` (give one of the two).
        memo_backdrop_frames (int, optional): mmdet's name of
            ``num_frames_backdrop``.
        max_distance (float): Centre distance (pixels) of the distance
            prior at a gap of 0 frames; -1 disables the prior. Defaults to
            -1.
        fps (float): Frame rate of the videos, for the distance prior.
            Defaults to 1.
    """

    def __init__(self,
                 init_score_thr: float = 0.8,
                 obj_score_thr: float = 0.5,
                 match_score_thr: float = 0.5,
                 num_frames_retain: Optional[int] = None,
                 num_frames_backdrop: Optional[int] = None,
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
                 match_method: str = 'greedy',
                 memo_tracklet_frames: Optional[int] = None,
                 memo_backdrop_frames: Optional[int] = None,
                 max_distance: float = -1,
                 fps: float = 1) -> None:
        num_frames_retain = resolve_alias(
            'num_frames_retain', num_frames_retain, 'memo_tracklet_frames',
            memo_tracklet_frames, 10)
        num_frames_backdrop = resolve_alias(
            'num_frames_backdrop', num_frames_backdrop,
            'memo_backdrop_frames', memo_backdrop_frames, 1)
        if not 0 <= memo_momentum <= 1:
            raise ValueError('memo_momentum must be in [0, 1]')
        if not 0 <= score_momentum <= 1:
            raise ValueError('score_momentum must be in [0, 1]')
        if num_frames_retain < 0 or num_frames_backdrop < 0:
            raise ValueError('numbers of frames must be >= 0')
        for name, value in (('nms_backdrop_iou_thr', nms_backdrop_iou_thr),
                            ('nms_class_iou_thr', nms_class_iou_thr)):
            if not 0 <= value <= 1:
                raise ValueError(f'{name} is an IoU threshold, in [0, 1] '
                                 f'(1.0 disables), got {value}')
        for name, value in (('match_score_thr', match_score_thr),
                            ('nms_conf_thr', nms_conf_thr)):
            if not -1 <= value <= 1:
                raise ValueError(
                    f'{name} must be in [-1, 1] (similarities are at most '
                    f'1: a higher threshold never matches), got {value}')
        if init_score_thr < obj_score_thr:
            raise ValueError(
                f'init_score_thr ({init_score_thr}) is below obj_score_thr '
                f'({obj_score_thr}): a detection scoring between them would '
                'start a new track in every frame, since it may start a '
                'track but never continue one')
        thresholds = dict(init_score_thr=init_score_thr,
                          obj_score_thr=obj_score_thr,
                          match_score_thr=match_score_thr,
                          nms_conf_thr=nms_conf_thr,
                          nms_score_thr=nms_score_thr)
        bad = [k for k, v in thresholds.items()
               if v is not None and v != v]  # NaN compares false
        if bad:
            raise ValueError(f'{", ".join(bad)} is NaN')
        if match_metric not in MATCH_METRICS:
            raise ValueError(f'match_metric must be one of {MATCH_METRICS}, '
                             f'got {match_metric!r}')
        if match_method not in MATCH_METHODS:
            raise ValueError(f'match_method must be one of {MATCH_METHODS}, '
                             f'got {match_method!r}')
        if not (max_distance == -1 or max_distance >= 0):
            raise ValueError('max_distance is a distance in pixels (>= 0), '
                             f'or -1 to disable the prior; got {max_distance}')
        if not fps > 0:
            raise ValueError(f'fps must be > 0, got {fps}')
        self.max_distance = max_distance
        self.fps = fps
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
        # point features (N, C, H, W) for UniTrack's metrics
        self._embed_dims = 4 if match_metric in POINT_METRICS else 2
        self.reset()

    # Columns of the integer memory ``_meta``: track id (-1 for a
    # backdrop), label, and the last frame at which the row can be matched
    # (its last frame seen plus ``num_frames_retain`` for a track,
    # ``num_frames_backdrop`` for a backdrop).
    _ID, _LABEL, _LAST = 0, 1, 2

    def reset(self) -> None:
        """Forget all tracks and backdrops (call it between videos).

        The memory is one set of rows, tracks and backdrops together, in
        insertion order: ``_embeds`` (M, D), ``_boxes`` (M, 5) (box and
        score, in the dtype of the input boxes) and ``_meta`` (M, 3)
        (track id, -1 for a backdrop; label; last frame at which the row
        can be matched, so that ageing is one comparison). Keeping every
        field in three tensors means each selection, update or append is
        three tensor operations, whatever the number of fields; read it
        through :attr:`tracks` and :attr:`backdrops`.
        """
        self.num_tracks = 0
        self.last_frame_id: Optional[int] = None
        self._embeds: Optional[Tensor] = None
        self._boxes: Optional[Tensor] = None
        self._meta: Optional[Tensor] = None

    @property
    def tracks(self) -> Optional[Dict[str, Tensor]]:
        """dict[str, Tensor] | None: The tracks in memory.

        In creation order, with keys ``ids`` (T, ), ``embeds`` (T, D),
        ``bboxes`` (T, 4), ``labels`` (T, ), ``scores`` (T, ) and
        ``frame_ids`` (T, ) (last frame seen); None before the first frame
        after a reset. Copies: changing them does not change the memory.
        """
        if self._meta is None:
            return None
        rows = torch.nonzero(self._meta[:, self._ID] >= 0).squeeze(1)
        meta, boxes = self._meta[rows], self._boxes[rows]
        return dict(
            ids=meta[:, self._ID],
            embeds=self._embeds[rows],
            bboxes=boxes[:, :4],
            labels=meta[:, self._LABEL],
            scores=boxes[:, 4],
            frame_ids=meta[:, self._LAST] - self.num_frames_retain)

    @property
    def backdrops(self) -> Optional[Dict[str, Tensor]]:
        """dict[str, Tensor] | None: The backdrops in memory.

        Newest frame first (score order within a frame), with keys
        ``embeds`` (B, D), ``bboxes`` (B, 4), ``labels`` (B, ) and
        ``frame_ids`` (B, ); None before the first frame after a reset.
        """
        if self._meta is None:
            return None
        rows = torch.nonzero(self._meta[:, self._ID] < 0).squeeze(1)
        newest_first = torch.sort(
            self._meta[rows, self._LAST], descending=True, stable=True)[1]
        rows = rows[newest_first]
        meta = self._meta[rows]
        return dict(
            embeds=self._embeds[rows],
            bboxes=self._boxes[rows, :4],
            labels=meta[:, self._LABEL],
            frame_ids=meta[:, self._LAST] - self.num_frames_backdrop)

    @property
    def empty(self) -> bool:
        """bool: Whether there is no track in memory."""
        return self._meta is None or not bool(
            (self._meta[:, self._ID] >= 0).any())

    def _init_memory(self, bboxes: Tensor, embeds: Tensor) -> None:
        """Create an empty memory like the inputs (dtype, device)."""
        self._embeds = embeds.new_zeros((0, *embeds.shape[1:]))
        self._boxes = bboxes.new_zeros((0, 5))
        self._meta = torch.zeros((0, 3), dtype=torch.long,
                                 device=bboxes.device)

    def _alive(self, frame_id: int) -> Tensor:
        """Bool (M, ): memory rows that frame ``frame_id`` can still match.

        A track is kept up to ``num_frames_retain`` frames after it was last
        seen, a backdrop up to ``num_frames_backdrop`` frames after its
        frame.
        """
        return self._meta[:, self._LAST] >= frame_id

    def _commit(self, keep: Tensor, add: Tensor, boxes: Tensor,
                meta: Tensor, embeds: Tensor) -> None:
        """Keep memory rows ``keep`` (M, ) and append detection rows ``add``.

        Args:
            keep (Tensor): Bool (M, ) over the memory rows.
            add (Tensor): Bool (N, ) over the detections.
            boxes, meta, embeds (Tensor): The detections' memory rows,
                (N, 5), (N, 3) and (N, D).
        """
        rows = torch.nonzero(torch.cat([keep, add])).squeeze(1)
        self._boxes = torch.cat([self._boxes, boxes]).index_select(0, rows)
        self._meta = torch.cat([self._meta, meta]).index_select(0, rows)
        self._embeds = torch.cat([self._embeds,
                                  embeds]).index_select(0, rows)

    def _forget(self, frame_id: int) -> None:
        """Drop the rows too old to be matched at ``frame_id``."""
        keep = torch.nonzero(self._alive(frame_id)).squeeze(1)
        if keep.numel() < self._meta.size(0):
            self._boxes = self._boxes.index_select(0, keep)
            self._meta = self._meta.index_select(0, keep)
            self._embeds = self._embeds.index_select(0, keep)

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
        earlier = ious.tril_(diagonal=-1)
        thrs = torch.where(scores < self.nms_score_thr,
                           self.nms_backdrop_iou_thr, self.nms_class_iou_thr)
        if self.nms_with_cats:
            same_cat = labels[:, None] == labels[None, :]
            keep = earlier.mul(same_cat).amax(dim=1) <= thrs
        else:
            keep = earlier.amax(dim=1) <= thrs
        max_iou_kept = earlier.mul_(keep).amax(dim=1)
        return keep, max_iou_kept

    def _associate(self, scores: Tensor, labels: Tensor, embeds: Tensor,
                   bboxes: Tensor, frame_id: int) -> Tuple[Tensor, Tensor]:
        """Match the detections with the memory.

        Args:
            scores (Tensor): Scores of shape (N, ), sorted descending.
            labels (Tensor): Labels of shape (N, ).
            embeds (Tensor): Embeddings of shape (N, D).
            bboxes (Tensor): Boxes of shape (N, 4) (for the distance
                prior).
            frame_id (int): The frame (for the distance prior).

        Returns:
            tuple[Tensor, Tensor]: ``ids`` (N, ): the continued track's id,
            -2 for dropped duplicates of a track, -1 otherwise; and
            ``cols`` (N, ): the memory row each detection matched (-1 for
            none).
        """
        memo_ids = self._meta[:, self._ID]
        valid = None
        if self.with_cats:
            memo_labels = self._meta[:, self._LABEL]
            # one category on both sides (e.g. MOT17): nothing to mask
            low, high = torch.aminmax(torch.cat([labels, memo_labels]))
            if bool(low != high):
                valid = labels[:, None] == memo_labels[None, :]
        sim = match_similarity(embeds, self._embeds, self.match_metric,
                               valid, self.mask_cats_before_softmax)
        if self.max_distance != -1:
            seen = self._meta[:, self._LAST] - torch.where(
                memo_ids >= 0, self.num_frames_retain,
                self.num_frames_backdrop)
            prior = centre_distance_prior(bboxes, self._boxes[:, :4],
                                          frame_id - seen, self.max_distance,
                                          self.fps)
            # excluded pairs (-inf) stay excluded, even where prior is 0
            sim = torch.where(torch.isfinite(sim), sim * prior, sim)
        can_take = scores > self.obj_score_thr
        cols, confs = match(sim, self.match_score_thr, memo_ids >= 0,
                            can_take, self.match_method)
        # id of the matched row; no match (-1) reads the -1 put in front
        matched = torch.cat([memo_ids.new_full((1, ), -1),
                             memo_ids]).index_select(0, cols + 1)
        duplicate = (matched >= 0) & (confs > self.nms_conf_thr)
        ids = torch.where(can_take, matched,
                          torch.where(duplicate, -2, -1))
        return ids, cols

    def track(self,
              bboxes: Tensor,
              scores: Tensor,
              labels: Tensor,
              embeds: Tensor,
              frame_id: int,
              init_mask: Optional[Tensor] = None) -> InstanceData:
        """Associate the detections of one frame with the memory.

        The work runs under :func:`torch.inference_mode` (cheaper per
        operation than ``no_grad``, which matters for a step of ~100 small
        operations); the returned tensors are ordinary tensors.

        Args:
            bboxes (Tensor): Boxes of shape (N, 4), (x1, y1, x2, y2).
            scores (Tensor): Detection scores of shape (N, ).
            labels (Tensor): Category labels of shape (N, ).
            embeds (Tensor): Embeddings of shape (N, D), or point features
                (N, C, H, W) for the point metrics.
            frame_id (int): Index of the frame in its video; must increase
                between calls until :meth:`reset`.
            init_mask (Tensor, optional): Bool (N, ): detections allowed to
                start a new track (e.g. the MOT17 public-detection protocol,
                see :func:`qdtrack.models.mot.public_detections.
                public_init_mask`). None allows all. Defaults to None.

        Returns:
            :obj:`InstanceData`: The tracked detections, in descending score
            order, with ``bboxes`` (K, 4), ``scores`` (K, ), ``labels``
            (K, ) (int64), ``ids`` (K, ) (track ids, >= 0) and ``det_inds``
            (K, ) (row of each in the input). Detections not tracked are
            dropped.
        """
        num_dets = bboxes.size(0)
        if bboxes.dim() != 2 or bboxes.size(1) != 4:
            raise ValueError(f'bboxes must be (N, 4), got {bboxes.shape}')
        if not (scores.shape == labels.shape == (num_dets, )
                and embeds.dim() == self._embed_dims
                and embeds.size(0) == num_dets):
            raise ValueError(
                'scores, labels and embeds must have one row per box, '
                f'embeds {self._embed_dims}-d for {self.match_metric!r}: '
                f'got {tuple(scores.shape)}, {tuple(labels.shape)}, '
                f'{tuple(embeds.shape)} for {num_dets} boxes')
        if init_mask is not None and init_mask.shape != (num_dets, ):
            raise ValueError(f'init_mask must be ({num_dets}, ), got '
                             f'{tuple(init_mask.shape)}')
        self._check_finite(bboxes, scores, embeds, frame_id)
        if self.last_frame_id is not None and frame_id <= self.last_frame_id:
            raise ValueError(
                f'frame_id {frame_id} after {self.last_frame_id}: frame ids '
                'must increase; call reset() between videos')
        with torch.inference_mode():
            out, info = self._step(bboxes, scores, labels, embeds, frame_id,
                                   init_mask)
        # copies made outside inference mode: tensors the caller may modify
        out, info = out.clone(), info.clone()
        return InstanceData(
            bboxes=out[:, :4],
            scores=out[:, 4],
            labels=info[:, 1],
            ids=info[:, 0],
            det_inds=info[:, 2])

    @staticmethod
    def _check_finite(bboxes: Tensor, scores: Tensor, embeds: Tensor,
                      frame_id: int) -> None:
        """Refuse NaN or inf inputs (they would corrupt the memory).

        One fused test per frame (a sum is non-finite when any term is); the
        rows are looked up only on failure.
        """
        if not bboxes.numel():
            return
        total = bboxes.sum() + scores.sum() + embeds.float().sum()
        if bool(torch.isfinite(total)):
            return
        for name, value in (('bboxes', bboxes), ('scores', scores),
                            ('embeds', embeds)):
            rows = torch.nonzero(~torch.isfinite(value.reshape(
                value.size(0), -1)).all(dim=1)).flatten().tolist()
            if rows:
                shown = ', '.join(map(str, rows[:5])) + (
                    ', ...' if len(rows) > 5 else '')
                raise ValueError(
                    f'QuasiDenseTrackManager: non-finite {name} at frame '
                    f'{frame_id} in {len(rows)} of {value.size(0)} rows '
                    f'({shown}): the model produced NaN or inf (diverged '
                    'or untrained weights?)')

    def _step(self, bboxes: Tensor, scores: Tensor, labels: Tensor,
              embeds: Tensor, frame_id: int,
              init_mask: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        """One frame of :meth:`track` on validated inputs.

        Returns:
            tuple[Tensor, Tensor]: The tracked detections' box and score
            (K, 5), and their id, label and input row (K, 3).
        """
        num_dets = bboxes.size(0)
        if self._meta is None:
            self._init_memory(bboxes, embeds)
        elif frame_id > self.last_frame_id + 1:
            self._forget(frame_id)  # frames were skipped
        self.last_frame_id = frame_id
        if num_dets == 0:
            self._forget(frame_id + 1)
            return (bboxes.new_zeros((0, 5)),
                    torch.zeros((0, 3), dtype=torch.long,
                                device=bboxes.device))

        # Row selections use index_select: several times faster than
        # advanced indexing on CPU, and this runs once per frame.
        scores, order = torch.sort(scores, descending=True, stable=True)
        sorted_bboxes = bboxes.index_select(0, order)
        keep, max_iou_kept = self._remove_duplicates(
            box_iou(sorted_bboxes, sorted_bboxes), scores,
            labels.index_select(0, order) if self.nms_with_cats else None)
        # each detection's memory rows: box and score, then id, label and
        # last matchable frame
        dets = torch.cat([sorted_bboxes, scores[:, None]], dim=1)
        kept = torch.nonzero(keep).squeeze(1)
        if kept.numel() == num_dets:  # no duplicate
            det_inds = order
        else:
            det_inds = order.index_select(0, kept)
            dets = dets.index_select(0, kept)
            max_iou_kept = max_iou_kept.index_select(0, kept)
        scores = dets[:, 4]
        labels = labels.index_select(0, det_inds).long()
        embeds = embeds.index_select(0, det_inds)

        continued = None
        if self._meta.size(0) == 0:
            ids = torch.full_like(det_inds, -1)
        else:
            ids, cols = self._associate(scores, labels, embeds,
                                        dets[:, :4], frame_id)
            continued = torch.nonzero(ids >= 0).squeeze(1)
        unmatched = ids == -1
        new = unmatched & (scores > self.init_score_thr)
        if init_mask is not None:
            new &= init_mask.to(new.device).index_select(0, det_inds)
        count = new.cumsum(0)
        ids = torch.where(new, count + (self.num_tracks - 1), ids)
        self.num_tracks += int(count[-1])

        is_track = ids >= 0  # continued or new tracks
        last = torch.where(is_track, frame_id + self.num_frames_retain,
                           frame_id + self.num_frames_backdrop)
        meta = torch.stack([ids, labels, last], 1)
        if continued is not None and continued.numel() > 0:
            self._update_tracks(continued, cols.index_select(0, continued),
                                dets, meta, embeds)
        add = new
        if self.num_frames_backdrop > 0:
            add = new | (unmatched &
                         (max_iou_kept <= self.nms_backdrop_iou_thr))
        self._commit(self._alive(frame_id + 1), add, dets, meta, embeds)

        tracked = torch.nonzero(is_track).squeeze(1)
        info = torch.stack([ids, labels, det_inds], 1)
        return (dets.index_select(0, tracked),
                info.index_select(0, tracked))

    def _update_tracks(self, rows: Tensor, pos: Tensor, dets: Tensor,
                       meta: Tensor, embeds: Tensor) -> None:
        """Update the tracks continued by detections, in place.

        Args:
            rows (Tensor): Detections continuing a track, shape (K, ).
            pos (Tensor): Memory row of each one's track, shape (K, ).
            dets (Tensor): Box and score of every detection (N, 5); the
                scores of ``rows`` are smoothed in place when
                ``score_momentum < 1``.
            meta (Tensor): Id, label and last matchable frame of every
                detection (N, 3).
            embeds (Tensor): Embeddings of every detection (N, D).
        """
        # (1 - m) * old + m * new
        self._embeds.index_copy_(
            0, pos,
            torch.lerp(
                self._embeds.index_select(0, pos),
                embeds.index_select(0, rows), self.memo_momentum))
        if self.score_momentum < 1:
            s = self.score_momentum
            dets[rows, 4] = s * dets[rows, 4] + (1 - s) * self._boxes[pos, 4]
        self._boxes.index_copy_(0, pos, dets.index_select(0, rows))
        self._meta.index_copy_(0, pos, meta.index_select(0, rows))
