"""Helpers of the whole models: first-frame test, tracker output."""
import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from qdtrack.models.mot.utils import is_first_frame, track_instances


def test_first_frame_by_position_then_frame_id():
    assert is_first_frame(DetDataSample(metainfo=dict(frame_id=1,
                                                      frame_index=0)))
    assert not is_first_frame(
        DetDataSample(metainfo=dict(frame_id=0, frame_index=4)))
    assert is_first_frame(DetDataSample(metainfo=dict(frame_id=0)))
    assert not is_first_frame(DetDataSample(metainfo=dict(frame_id=7)))


def test_track_instances_from_arrays_and_from_the_track_manager():
    out = track_instances(dict(bboxes=np.array([[1, 2, 3, 4]]),
                               scores=np.array([0.5]),
                               labels=np.array([2]), ids=np.array([7])))
    assert out.bboxes.dtype == torch.float32 and out.bboxes.shape == (1, 4)
    assert out.instances_id.tolist() == [7] and out.labels.tolist() == [2]
    tracked = InstanceData(bboxes=torch.ones(2, 4, dtype=torch.float64),
                           scores=torch.tensor([0.9, 0.8]),
                           labels=torch.tensor([0, 1]),
                           ids=torch.tensor([3, 4]),
                           det_inds=torch.tensor([1, 0]))
    out = track_instances(tracked)
    assert set(out.keys()) == {'bboxes', 'scores', 'labels', 'instances_id'}
    assert out.bboxes is tracked.bboxes  # tensors kept as they are
    assert out.instances_id.tolist() == [3, 4]
