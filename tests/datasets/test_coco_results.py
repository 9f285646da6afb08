"""read_coco_det: COCO detection results files, checks naming the record."""
import json

import numpy as np
import pytest

from qdtrack.datasets.coco_results import COCO_DET_COLUMNS, read_coco_det
from qdtrack.datasets.coco_video_dataset import AnnotationError


def _write(tmp_path, records, name='res.json'):
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return str(path)


def test_rows_in_file_order(tmp_path):
    records = [
        dict(image_id=3, category_id=1, bbox=[1.5, 2, 10, 20], score=0.9,
             segmentation={'size': [4, 4], 'counts': 'x'}),
        dict(image_id=1, category_id=7, bbox=[0, 0, 1, 1], score=1),
    ]
    rows = read_coco_det(_write(tmp_path, records))
    assert COCO_DET_COLUMNS == ('image_id', 'category_id', 'x', 'y', 'w',
                                'h', 'score')
    assert rows.dtype == np.float64
    np.testing.assert_array_equal(
        rows, [[3, 1, 1.5, 2, 10, 20, 0.9], [1, 7, 0, 0, 1, 1, 1]])
    assert read_coco_det(_write(tmp_path, [])).shape == (0, 7)


@pytest.mark.parametrize('record, problem', [
    ('box', r'record 1 is not an object'),
    (dict(image_id=1, bbox=[0, 0, 1, 1], score=0.5),
     r'record 1 lacks category_id'),
    (dict(image_id=1.0, category_id=1, bbox=[0, 0, 1, 1], score=0.5),
     r'record 1: image_id must be an integer, got 1.0'),
    (dict(image_id=True, category_id=1, bbox=[0, 0, 1, 1], score=0.5),
     r'record 1: image_id must be an integer, got True'),
    (dict(image_id=1, category_id=1, bbox=[0, 0, 1], score=0.5),
     r'record 1: bbox must be 4 finite numbers'),
    (dict(image_id=1, category_id=1, bbox=[0, 0, 1, -2], score=0.5),
     r'record 1: bbox \[0, 0, 1, -2\] must have width and height > 0'),
    (dict(image_id=1, category_id=1, bbox=[0, 0, 1, 1], score='high'),
     r"record 1: score must be a finite number, got 'high'"),
    (dict(image_id=1, category_id=1, bbox=[0, 0, 1, 1], score=None),
     r'record 1: score must be a finite number, got None'),
])
def test_bad_record_named(tmp_path, record, problem):
    good = dict(image_id=1, category_id=1, bbox=[0, 0, 1, 1], score=0.5)
    path = _write(tmp_path, [good, record])
    with pytest.raises(AnnotationError, match='res.json: ' + problem):
        read_coco_det(path)


def test_non_finite_and_bad_files(tmp_path):
    path = tmp_path / 'nan.json'
    path.write_text('[{"image_id": 1, "category_id": 1, '
                    '"bbox": [0, 0, 1, NaN], "score": 0.5}]')
    with pytest.raises(AnnotationError,
                       match=r'nan.json: record 0: bbox must be 4 finite'):
        read_coco_det(str(path))
    with pytest.raises(AnnotationError,
                       match='obj.json: expected a JSON list of COCO '
                       'results, got dict'):
        read_coco_det(_write(tmp_path, {'annotations': []}, 'obj.json'))
    broken = tmp_path / 'broken.json'
    broken.write_text('[{"image_id": 1')
    with pytest.raises(AnnotationError, match='broken.json: not valid JSON'):
        read_coco_det(str(broken))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        read_coco_det(str(tmp_path / 'missing.json'))
