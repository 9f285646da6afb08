"""Small helpers shared by the whole-model classes."""


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
