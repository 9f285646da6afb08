"""MOTDetectionDump: a model's detections written as det.txt per video."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.structures import InstanceData

from qdtrack.datasets.mot_files import read_mot_det
from qdtrack.registry import METRICS


def _frame(video, mot_frame_id, boxes, scores, labels, frame_id=None):
    frame = DetDataSample(metainfo=dict(
        video_name=video, mot_frame_id=mot_frame_id,
        frame_id=mot_frame_id - 1 if frame_id is None else frame_id))
    frame.pred_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.tensor(scores, dtype=torch.float32),
        labels=torch.tensor(labels, dtype=torch.long))
    return TrackDataSample(video_data_samples=[frame])


def test_dump_per_video_labels_and_scores(tmp_path):
    metric = METRICS.build(dict(type='MOTDetectionDump',
                                out_dir=str(tmp_path), labels=[0],
                                score_thr=0.1))
    samples = [
        _frame('A', 1, [[1, 2, 11, 22], [5, 5, 6, 9], [0, 0, 4, 4]],
               [0.75, 0.5, 0.05], [0, 1, 0]),
        _frame('B', 7, [[3, 4, 5, 8]], [0.25], [0]),
        _frame('A', 2, [[2, 2, 2, 9]], [0.875], [0]),  # empty box dropped
        _frame('A', 3, [], [], []),
    ]
    metric.process({}, [s.to_dict() for s in samples])
    assert metric.evaluate(len(samples)) == {}
    a = read_mot_det(str(tmp_path / 'A' / 'det' / 'det.txt'))
    np.testing.assert_array_equal(
        a, [[1, -1, 1, 2, 10, 20, 0.75, -1, -1, -1]])
    b = read_mot_det(str(tmp_path / 'B' / 'det' / 'det.txt'))
    np.testing.assert_array_equal(b, [[7, -1, 3, 4, 2, 4, 0.25, -1, -1, -1]])


def test_needs_pred_instances(tmp_path):
    metric = METRICS.build(dict(type='MOTDetectionDump',
                                out_dir=str(tmp_path)))
    frame = DetDataSample(metainfo=dict(video_name='A', frame_id=0))
    with pytest.raises(KeyError, match='pred_instances'):
        metric.process({}, [TrackDataSample(video_data_samples=[frame])])
