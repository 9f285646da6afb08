"""QuasiDenseTrackManager refuses non-finite inputs and bad thresholds."""
import pytest
import torch

from qdtrack.models.trackers import QuasiDenseTrackManager


def _frame():
    bboxes = torch.tensor([[0., 0., 10., 20.], [50., 50., 60., 70.],
                           [100., 0., 110., 20.]])
    scores = torch.tensor([0.95, 0.9, 0.85])
    labels = torch.zeros(3, dtype=torch.long)
    embeds = torch.eye(3, 8)
    return bboxes, scores, labels, embeds


@pytest.mark.parametrize('field,index,value,message', [
    ('bboxes', (1, 2), float('nan'), r'non-finite bboxes at frame 4 in 1 of '
     r'3 rows \(1\)'),
    ('scores', (2, ), float('inf'), r'non-finite scores at frame 4 in 1 of 3 '
     r'rows \(2\)'),
    ('embeds', (0, 5), float('-inf'), r'non-finite embeds at frame 4 in 1 of'
     r' 3 rows \(0\)'),
])
def test_non_finite_inputs_are_refused(field, index, value, message):
    tracker = QuasiDenseTrackManager()
    frame = dict(zip(('bboxes', 'scores', 'labels', 'embeds'), _frame()))
    tracker.track(**frame, frame_id=3)
    memory = tracker.tracks['embeds'].clone()
    frame[field][index] = value
    with pytest.raises(ValueError, match=message):
        tracker.track(**frame, frame_id=4)
    # the memory is unchanged and the next valid frame is accepted
    torch.testing.assert_close(tracker.tracks['embeds'], memory)
    out = tracker.track(*_frame(), frame_id=4)
    assert out.ids.tolist() == [0, 1, 2]


def test_all_rows_named_up_to_five():
    bboxes, scores, labels, _ = _frame()
    embeds = torch.full((3, 8), float('nan'))
    with pytest.raises(ValueError, match=r'in 3 of 3 rows \(0, 1, 2\)'):
        QuasiDenseTrackManager().track(bboxes, scores, labels, embeds, 0)


@pytest.mark.parametrize('kwargs,message', [
    (dict(init_score_thr=0.4, obj_score_thr=0.5),
     r'init_score_thr \(0.4\) is below obj_score_thr \(0.5\)'),
    (dict(nms_class_iou_thr=1.5), r'nms_class_iou_thr is an IoU threshold'),
    (dict(nms_backdrop_iou_thr=-0.1), r'nms_backdrop_iou_thr is an IoU'),
    (dict(match_score_thr=1.2), r'match_score_thr must be in \[-1, 1\]'),
    (dict(nms_conf_thr=2.0), r'nms_conf_thr must be in \[-1, 1\]'),
    (dict(init_score_thr=float('nan'), obj_score_thr=float('nan')),
     r'init_score_thr, obj_score_thr is NaN'),
    (dict(memo_momentum=1.5), r'memo_momentum must be in \[0, 1\]'),
])
def test_inconsistent_thresholds_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        QuasiDenseTrackManager(**kwargs)


def test_the_presets_are_consistent():
    # init == obj (TAO) and the cosine range are allowed
    QuasiDenseTrackManager(init_score_thr=1e-4, obj_score_thr=1e-4)
    QuasiDenseTrackManager(match_metric='cosine', match_score_thr=-0.5)
