"""Small helpers shared by the whole-model classes."""
from typing import Optional, Union

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from qdtrack.models.trackers import (
    DeepSORTTracker,
    QuasiDenseTrackManager,
    SORTTracker,
    UniTrackTracker,
)


def is_first_frame(frame) -> bool:
    """Whether a frame starts its video (the tracker must be reset).

    Uses ``frame_index``, the frame's position in its video that
    :class:`~qdtrack.datasets.CocoVideoDataset` records, when the pipeline
    packed it, so that videos whose ``frame_id`` starts at 1 also reset;
    otherwise ``frame_id == 0``.

    Args:
        frame (DetDataSample): A test frame.

    Returns:
        bool: True for the first frame of a video.
    """
    meta = frame.metainfo
    return meta.get('frame_index', meta['frame_id']) == 0


def track_instances(out: Union[dict, InstanceData]) -> InstanceData:
    """A tracker's output as ``pred_track_instances``.

    Args:
        out (dict | InstanceData): ``bboxes`` (K, 4), ``scores`` (K, ),
            ``labels`` (K, ) and ``ids`` (K, ): arrays in a dict, as
            SORT-style trackers return them, or the tensors of
            :class:`~qdtrack.models.trackers.QuasiDenseTrackManager`.

    Returns:
        InstanceData: ``bboxes`` (K, 4), ``scores``, ``labels`` and
        ``instances_id``; arrays become float32 and long tensors, tensors
        are kept as they are.
    """
    if isinstance(out, InstanceData):
        return InstanceData(bboxes=out.bboxes, scores=out.scores,
                            labels=out.labels, instances_id=out.ids)
    return InstanceData(
        bboxes=torch.as_tensor(out['bboxes'],
                               dtype=torch.float32).reshape(-1, 4),
        scores=torch.as_tensor(out['scores'], dtype=torch.float32),
        labels=torch.as_tensor(out['labels'], dtype=torch.long),
        instances_id=torch.as_tensor(out['ids'], dtype=torch.long))


def associate(tracker,
              bboxes: Tensor,
              scores: Tensor,
              labels: Tensor,
              embeds: Optional[Tensor],
              frame_id: int,
              init_mask: Optional[Tensor] = None) -> InstanceData:
    """One frame's boxes and appearance through any of our trackers.

    Lets every appearance source (a track head, a ReID model, a crop
    embedder, point features) run in every association, so methods can be
    compared on the same boxes with the same association.

    - :class:`~qdtrack.models.trackers.QuasiDenseTrackManager`: ``embeds``
      as given ((N, D), or (N, C, H, W) for its point metrics).
    - :class:`~qdtrack.models.trackers.UniTrackTracker`: point features;
      (N, D) embeddings become (N, D, 1, 1) (compare them with
      ``metric='global'``, their cosine).
    - :class:`~qdtrack.models.trackers.DeepSORTTracker`: (N, D) embeddings
      (None: no appearance cascade).
    - :class:`~qdtrack.models.trackers.SORTTracker`: ``embeds`` unused.

    Args:
        tracker: One of the trackers above.
        bboxes (Tensor): (N, 4) boxes ``x1, y1, x2, y2``.
        scores (Tensor): (N, ) scores.
        labels (Tensor): (N, ) labels.
        embeds (Tensor, optional): (N, D) embeddings or (N, C, H, W) point
            features.
        frame_id (int): The frame's index in its video.
        init_mask (Tensor, optional): Bool (N, ): boxes allowed to start a
            track; only the quasi-dense track manager supports it.

    Returns:
        InstanceData: ``bboxes`` (K, 4), ``scores``, ``labels`` and
        ``instances_id`` of the tracked boxes.
    """
    if init_mask is not None and not isinstance(tracker,
                                                QuasiDenseTrackManager):
        raise ValueError(f'{type(tracker).__name__} cannot restrict which '
                         'boxes start tracks (init_mask); use the '
                         'QuasiDenseTrackManager')
    if isinstance(tracker, QuasiDenseTrackManager):
        if embeds is None:
            raise ValueError('the QuasiDenseTrackManager needs embeddings')
        out = tracker.track(
            bboxes=bboxes,
            scores=scores,
            labels=labels,
            embeds=embeds.to(bboxes.device),
            frame_id=frame_id,
            init_mask=init_mask)
    elif isinstance(tracker, UniTrackTracker):
        if embeds is None:
            raise ValueError('the UniTrackTracker needs appearance features')
        feats = embeds if embeds.dim() == 4 else embeds[:, :, None, None]
        out = tracker.track(bboxes=bboxes, scores=scores, labels=labels,
                            feats=feats, frame_id=frame_id)
    elif isinstance(tracker, DeepSORTTracker):
        if embeds is not None and embeds.dim() != 2:
            raise ValueError('the DeepSORTTracker takes (N, D) embeddings, '
                             f'got {tuple(embeds.shape)}')
        out = tracker.track(
            bboxes.detach().cpu().numpy(),
            scores.detach().cpu().numpy(),
            None if embeds is None else embeds.detach().cpu().numpy(),
            labels.detach().cpu().numpy(),
            frame_id=frame_id)
    elif isinstance(tracker, SORTTracker):
        out = tracker.track(bboxes.detach().cpu().numpy(),
                            scores.detach().cpu().numpy(),
                            labels.detach().cpu().numpy(),
                            frame_id=frame_id)
    else:
        raise TypeError(f'associate: unknown tracker {type(tracker)}')
    return track_instances(out)
