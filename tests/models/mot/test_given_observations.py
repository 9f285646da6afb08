"""SORT and QDTrack's given-observation mode track the very same boxes.

Both run through ``tools/test.py`` on a generated toy video; the boxes and
scores each tracker receives are recorded and compared with each other and
with the video's ``det.txt``.
"""
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from qdtrack.datasets.mot_files import read_mot_det
from qdtrack.datasets.toy import generate_toy_benchmark
from qdtrack.models.mot.given_observations import given_observations
from qdtrack.models.trackers import QuasiDenseTrackManager, SORTTracker

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import test as test_tool  # noqa: E402

NUM_FRAMES = 8


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=5, num_train=0, num_val=1,
                           num_frames=NUM_FRAMES, progress=False)
    return str(root)


def _tracker_inputs(monkeypatch, tracker_cls, tmp_path, toy, config):
    """(frame_id, boxes (K, 4), scores (K, )) of every track() call."""
    calls = []
    track = tracker_cls.track

    def spy(self, *args, **kwargs):
        calls.append((kwargs['frame_id'],
                      torch.as_tensor(kwargs['bboxes']).float().numpy(),
                      torch.as_tensor(kwargs['scores']).float().numpy()))
        return track(self, *args, **kwargs)

    monkeypatch.setattr(tracker_cls, 'track', spy)
    test_tool.main([
        osp.join(ROOT, config), '--random-weights', '--work-dir',
        str(tmp_path), '--cfg-options',
        f'test_dataloader.dataset.data_root={toy}/',
        f'test_evaluator.gt_root={toy}/val', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    monkeypatch.setattr(tracker_cls, 'track', track)
    return calls


def test_sort_and_qdtrack_given_see_identical_boxes(toy, tmp_path,
                                                    monkeypatch):
    sort = _tracker_inputs(monkeypatch, SORTTracker, tmp_path / 'sort', toy,
                           'configs/sort/sort_public-det_toy.py')
    qdtrack = _tracker_inputs(monkeypatch, QuasiDenseTrackManager,
                              tmp_path / 'qd', toy,
                              'configs/qdtrack/qdtrack_given-det_toy.py')
    dets = read_mot_det(osp.join(toy, 'val', 'TOY-01', 'det', 'det.txt'))
    assert len(sort) == len(qdtrack) == NUM_FRAMES
    total = 0
    for t, (s, q) in enumerate(zip(sort, qdtrack)):
        assert s[0] == q[0] == t
        rows = dets[dets[:, 0] == t + 1]
        boxes = np.concatenate([rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]],
                               axis=1).astype(np.float32)
        np.testing.assert_array_equal(s[1], boxes)
        np.testing.assert_array_equal(q[1], boxes)
        np.testing.assert_array_equal(s[2], rows[:, 6].astype(np.float32))
        np.testing.assert_array_equal(q[2], s[2])
        total += len(rows)
    assert total > 2 * NUM_FRAMES  # the video has boxes to compare


def test_given_observations_reads_public_detections():
    from mmdet.structures import DetDataSample
    frame = DetDataSample(metainfo=dict(public_detections=np.array(
        [[1, 2, 3, 4, 0.5], [5, 6, 7, 8, 0.25]])))
    bboxes, scores, labels = given_observations(frame, label=3)
    assert bboxes.dtype == scores.dtype == torch.float32
    assert bboxes.tolist() == [[1, 2, 3, 4], [5, 6, 7, 8]]
    assert scores.tolist() == [0.5, 0.25]
    assert labels.tolist() == [3, 3]
    with pytest.raises(KeyError, match='SORT tracks given boxes'):
        given_observations(DetDataSample(), owner='SORT')


def test_given_labels_come_from_the_frame_when_it_has_them():
    from mmdet.structures import DetDataSample
    dets = np.array([[0, 0, 10, 10, 0.9], [5, 5, 20, 30, 0.4]], np.float32)
    frame = DetDataSample(metainfo=dict(public_detections=dets))
    assert given_observations(frame, label=3)[2].tolist() == [3, 3]
    frame = DetDataSample(metainfo=dict(
        public_detections=dets, public_det_labels=np.array([4, 1]),
        img_path='v/1.jpg'))
    bboxes, scores, labels = given_observations(frame, label=3)
    assert labels.tolist() == [4, 1] and labels.dtype == torch.long
    np.testing.assert_allclose(scores.numpy(), [0.9, 0.4])
    frame = DetDataSample(metainfo=dict(
        public_detections=dets, public_det_labels=np.array([4]),
        img_path='v/1.jpg'))
    with pytest.raises(ValueError, match='v/1.jpg: 1 public_det_labels for '
                       '2 public_detections'):
        given_observations(frame)
