"""Helpers of the whole models: first-frame test, tracker output, any
appearance in any association."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from qdtrack.models.mot.utils import (
    associate,
    is_first_frame,
    track_instances,
)
from qdtrack.models.trackers import (
    DeepSORTTracker,
    QuasiDenseTrackManager,
    SORTTracker,
    UniTrackTracker,
)


def test_first_frame_by_position_then_frame_id():
    assert is_first_frame(DetDataSample(metainfo=dict(frame_id=1,
                                                      frame_index=0)))
    assert not is_first_frame(
        DetDataSample(metainfo=dict(frame_id=0, frame_index=4)))
    assert is_first_frame(DetDataSample(metainfo=dict(frame_id=0)))
    assert not is_first_frame(DetDataSample(metainfo=dict(frame_id=7)))


def _stream(num_frames=6):
    """Two pedestrians walking apart, with distinct unit embeddings."""
    frames = []
    for t in range(num_frames):
        bboxes = torch.tensor([[10. + 2 * t, 20., 30. + 2 * t, 80.],
                               [100. - 2 * t, 25., 122. - 2 * t, 85.]])
        embeds = torch.eye(8)[:2] + 0.01 * t
        frames.append((bboxes, torch.tensor([0.95, 0.9]),
                       torch.zeros(2, dtype=torch.long), embeds))
    return frames


def _direct(tracker, bboxes, scores, labels, embeds, frame_id):
    """Each tracker called as its own docstring says."""
    if isinstance(tracker, QuasiDenseTrackManager):
        out = tracker.track(bboxes=bboxes, scores=scores, labels=labels,
                            embeds=embeds, frame_id=frame_id)
        return out.bboxes, out.ids
    if isinstance(tracker, UniTrackTracker):
        out = tracker.track(bboxes, scores, labels, embeds[:, :, None, None],
                            frame_id=frame_id)
    elif isinstance(tracker, DeepSORTTracker):
        out = tracker.track(bboxes.numpy(), scores.numpy(), embeds.numpy(),
                            labels.numpy(), frame_id=frame_id)
    else:
        out = tracker.track(bboxes.numpy(), scores.numpy(), labels.numpy(),
                            frame_id=frame_id)
    return (torch.as_tensor(out['bboxes'], dtype=torch.float32),
            torch.as_tensor(out['ids']))


@pytest.mark.parametrize('make', [
    lambda: QuasiDenseTrackManager(match_metric='cosine'),
    lambda: UniTrackTracker(metric='global', frame_rate=10),
    lambda: DeepSORTTracker(n_init=2),
    lambda: SORTTracker(min_hits=1),
])
def test_associate_equals_the_trackers_own_call(make):
    via, direct = make(), make()
    num_out = 0
    for frame_id, (bboxes, scores, labels, embeds) in enumerate(_stream()):
        out = associate(via, bboxes, scores, labels, embeds, frame_id)
        ref_boxes, ref_ids = _direct(direct, bboxes, scores, labels, embeds,
                                     frame_id)
        assert torch.equal(out.instances_id, ref_ids.long())
        torch.testing.assert_close(out.bboxes, ref_boxes.reshape(-1, 4))
        assert out.scores.shape == out.labels.shape == (len(ref_ids), )
        num_out += len(ref_ids)
    # the stream is easy: both pedestrians come out in most frames, with
    # the same two ids throughout
    assert num_out >= 8
    assert set(out.instances_id.tolist()) == {0, 1}


def test_associate_refuses_what_a_tracker_cannot_take():
    bboxes, scores, labels, embeds = _stream(1)[0]
    with pytest.raises(ValueError, match='init_mask'):
        associate(UniTrackTracker(), bboxes, scores, labels, embeds, 0,
                  init_mask=torch.ones(2, dtype=torch.bool))
    with pytest.raises(ValueError, match='needs embeddings'):
        associate(QuasiDenseTrackManager(), bboxes, scores, labels, None, 0)
    with pytest.raises(ValueError, match=r'\(N, D\) embeddings'):
        associate(DeepSORTTracker(), bboxes, scores, labels,
                  embeds[:, :, None, None], 0)
    with pytest.raises(TypeError, match='unknown tracker'):
        associate(object(), bboxes, scores, labels, embeds, 0)


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
