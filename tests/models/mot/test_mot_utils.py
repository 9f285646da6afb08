"""The tracker resets at the first frame of a video, whatever its frame_id."""
from mmdet.structures import DetDataSample

from qdtrack.models.mot.utils import is_first_frame


def test_first_frame_by_position_then_frame_id():
    assert is_first_frame(DetDataSample(metainfo=dict(frame_id=1,
                                                      frame_index=0)))
    assert not is_first_frame(
        DetDataSample(metainfo=dict(frame_id=0, frame_index=4)))
    assert is_first_frame(DetDataSample(metainfo=dict(frame_id=0)))
    assert not is_first_frame(DetDataSample(metainfo=dict(frame_id=7)))
