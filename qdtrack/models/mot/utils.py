"""Small helpers shared by the whole-model classes."""
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


def track_instances(out: dict) -> InstanceData:
    """A numpy tracker's output as ``pred_track_instances``.

    Args:
        out (dict): ``bboxes`` (K, 4), ``scores`` (K, ), ``labels`` (K, )
            and ``ids`` (K, ) arrays, as SORT-style trackers return them.

    Returns:
        InstanceData: ``bboxes`` float32 (K, 4), ``scores`` float32,
        ``labels`` and ``instances_id`` long.
    """
    return InstanceData(
        bboxes=torch.as_tensor(out['bboxes'],
                               dtype=torch.float32).reshape(-1, 4),
        scores=torch.as_tensor(out['scores'], dtype=torch.float32),
        labels=torch.as_tensor(out['labels'], dtype=torch.long),
        instances_id=torch.as_tensor(out['ids'], dtype=torch.long))
