"""Small helpers shared by the whole-model classes."""
from typing import Union

import torch
from mmengine.structures import InstanceData


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
