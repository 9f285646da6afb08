"""Reader of COCO detection results files (boxes of any detector).

A COCO results file is a JSON list with one record per box::

    [{"image_id": 1, "category_id": 1, "bbox": [x, y, w, h],
      "score": 0.93}, ...]

It is what mmdet's ``CocoMetric`` writes with ``format_only`` (its
``.bbox.json``) and what most detectors export. Image ids refer to the
annotation file the detector ran on; boxes are the top-left corner plus
width and height in pixels. Extra keys (``segmentation``, ...) are ignored.
Like the MOTChallenge readers (:mod:`qdtrack.datasets.mot_files`), the
reader validates what it reads and names the file and the record in every
error.
"""
import math
import os
from typing import Sequence

import numpy as np

from .coco_video_dataset import AnnotationError

#: Columns of the array returned by :func:`read_coco_det`.
COCO_DET_COLUMNS = ('image_id', 'category_id', 'x', 'y', 'w', 'h', 'score')
_KEYS = ('image_id', 'category_id', 'bbox', 'score')


def read_coco_det(path: str) -> np.ndarray:
    """Read and validate a COCO detection results file.

    Checks: the file is a JSON list of objects with ``image_id`` and
    ``category_id`` (integers), ``bbox`` (4 finite numbers, width and
    height > 0, as ``read_mot_det`` requires) and ``score`` (a finite
    number).

    Args:
        path (str): The ``.json`` file.

    Returns:
        np.ndarray: (N, 7) float64 rows ``image_id, category_id, x, y, w,
        h, score`` (:data:`COCO_DET_COLUMNS`) in file order; (0, 7) for
        an empty list.

    Raises:
        FileNotFoundError: the file does not exist.
        AnnotationError: (a ``ValueError``) the file is not valid JSON or a
            record breaks a rule; the message names the file and the index
            of the record.
    """
    from .tao import load_json  # the one JSON reader that names the file
    path = os.fspath(path)
    records = load_json(path)
    if not isinstance(records, list):
        raise AnnotationError(
            f'{path}: expected a JSON list of COCO results, got '
            f'{type(records).__name__}')
    rows = _rows_fast(records)
    if rows is None:
        rows = _rows_checked(records, path)
    return rows


def _rows_fast(records: list):
    """Vectorised parse; None when anything looks wrong (the checked
    parse then names the record)."""
    if not records:
        return np.zeros((0, len(COCO_DET_COLUMNS)))
    try:
        ids = np.array([(r['image_id'], r['category_id']) for r in records])
        boxes = np.array([r['bbox'] for r in records])
        scores = np.array([r['score'] for r in records])
        # numpy takes booleans for numbers; JSON true/false are not
        if any(type(v) is bool for r in records
               for v in (r['image_id'], r['category_id'], r['score'],
                         *r['bbox'])):
            return None
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    n = len(records)
    if (ids.dtype.kind not in 'iu' or ids.shape != (n, 2)
            or boxes.dtype.kind not in 'iuf' or boxes.shape != (n, 4)
            or scores.dtype.kind not in 'iuf' or scores.shape != (n, )):
        return None
    rows = np.concatenate([ids, boxes, scores[:, None]],
                          axis=1).astype(np.float64)
    if not np.isfinite(rows).all() or not (rows[:, 4:6] > 0).all():
        return None
    return rows


def _rows_checked(records: list, path: str) -> np.ndarray:
    """Record-by-record parse that raises on the first bad record."""
    rows = []
    for i, rec in enumerate(records):
        where = f'{path}: record {i}'
        box = check_record_fields(rec, where, _KEYS,
                                  ('image_id', 'category_id'))
        if not (box[2] > 0 and box[3] > 0):
            raise AnnotationError(
                f'{where}: bbox {box!r} must have width and height > 0')
        if not is_finite_number(rec['score']):
            raise AnnotationError(
                f'{where}: score must be a finite number, got '
                f'{rec["score"]!r}')
        rows.append([rec['image_id'], rec['category_id'], *box,
                     rec['score']])
    return np.asarray(rows, dtype=np.float64).reshape(-1, 7)


def check_record_fields(rec, where: str, keys: Sequence[str],
                        int_keys: Sequence[str]) -> list:
    """Check the fields of one COCO-style result record.

    Shared by the detection results read here and the TAO tracking
    results (:mod:`qdtrack.evaluation.writers.tao`).

    Args:
        rec: The record (must be a dict).
        where (str): How to name it in an error (file and index).
        keys (Sequence[str]): Keys it must have.
        int_keys (Sequence[str]): Keys whose values must be integers.

    Returns:
        list: Its ``bbox``: 4 finite numbers ``[x, y, w, h]`` (the size
        rule is the caller's).

    Raises:
        AnnotationError: The first problem found, with ``where``.
    """
    if not isinstance(rec, dict):
        raise AnnotationError(f'{where} is not an object')
    missing = [k for k in keys if k not in rec]
    if missing:
        raise AnnotationError(f'{where} lacks {", ".join(missing)}')
    for key in int_keys:
        if not is_int(rec[key]):
            raise AnnotationError(
                f'{where}: {key} must be an integer, got {rec[key]!r}')
    box = rec['bbox']
    if (not isinstance(box, (list, tuple)) or len(box) != 4
            or not all(is_finite_number(v) for v in box)):
        raise AnnotationError(
            f'{where}: bbox must be 4 finite numbers [x, y, w, h], got '
            f'{box!r}')
    return box


def is_int(v) -> bool:
    """An integer (numpy's too), not a bool."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def is_finite_number(v) -> bool:
    """A finite int or float (numpy's too), not a bool."""
    return (isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, bool) and math.isfinite(float(v)))
