"""TAO results JSON: build, check, renumber, write and read it.

The file is a list of boxes, one record per tracked box::

    {"image_id": 1, "video_id": 1, "category_id": 3, "track_id": 1,
     "bbox": [x, y, w, h], "score": 0.9}

It is what TAO's tools, TrackEval's ``TAO`` dataset and our TETA read.
"""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np

from qdtrack.datasets.coco_results import (
    check_record_fields,
    is_finite_number,
    is_int,
)
from qdtrack.datasets.tao import AnnotationError, load_as_cocovid, load_json
from qdtrack.utils.io import atomic_write_json

__all__ = [
    'check_tao_results', 'read_tao_results', 'renumber_tracks',
    'tao_records_from_frame', 'write_tao_results'
]

_KEYS = ('image_id', 'category_id', 'bbox', 'score', 'track_id')


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def tao_records_from_frame(image_id: int, video_id: int, bboxes, scores,
                           labels, instance_ids,
                           cat_ids: Sequence[int]) -> List[dict]:
    """Result records of one frame.

    Args:
        image_id (int): The frame's image id in the annotation file.
        video_id (int): Its video id.
        bboxes (array-like): (N, 4) boxes ``x1, y1, x2, y2``.
        scores (array-like): (N,) confidences.
        labels (array-like): (N,) 0-based class indices.
        instance_ids (array-like): (N,) track ids; negative ids (boxes the
            tracker did not assign to a track) are dropped.
        cat_ids (Sequence[int]): Category id of each class index.

    Returns:
        list[dict]: One record per kept box, ``bbox`` as ``x, y, w, h``.
    """
    boxes = _to_numpy(bboxes).reshape(-1, 4).astype(np.float64)
    scores = _to_numpy(scores).reshape(-1).astype(np.float64)
    labels = _to_numpy(labels).reshape(-1).astype(np.int64)
    ids = _to_numpy(instance_ids).reshape(-1).astype(np.int64)
    if not len(boxes) == len(scores) == len(labels) == len(ids):
        raise ValueError(
            f'image {image_id}: {len(boxes)} boxes, {len(scores)} scores, '
            f'{len(labels)} labels and {len(ids)} ids differ in number')
    if len(labels) and (labels.min() < 0 or labels.max() >= len(cat_ids)):
        raise ValueError(f'image {image_id}: class indices {labels.tolist()}'
                         f' outside 0..{len(cat_ids) - 1}')
    records = []
    for box, score, label, tid in zip(boxes, scores, labels, ids):
        if tid < 0:
            continue
        records.append(
            dict(
                image_id=int(image_id),
                video_id=int(video_id),
                category_id=int(cat_ids[label]),
                track_id=int(tid),
                bbox=[
                    float(box[0]),
                    float(box[1]),
                    float(box[2] - box[0]),
                    float(box[3] - box[1])
                ],
                score=float(score)))
    return records


def check_tao_results(records,
                      source: str = '<results>',
                      image_to_video: Optional[Dict[int, int]] = None
                      ) -> List[dict]:
    """Validate TAO result records and return normalised copies.

    Args:
        records (list[dict]): Result records.
        source (str): Name used in error messages (usually the file path).
        image_to_video (dict[int, int], optional): Image id -> video id of
            the ground truth. When given, every ``image_id`` must be known,
            a given ``video_id`` must agree, and a missing one is filled in;
            without it every record needs a ``video_id``.

    Returns:
        list[dict]: Records with float ``bbox``/``score`` and int ids.
    """
    if not isinstance(records, list):
        raise AnnotationError(
            f'{source}: expected a list of results, got '
            f'{type(records).__name__}')
    fast = _check_fast(records, image_to_video)
    if fast is not None:
        return fast
    return _check_slow(records, source, image_to_video)


def _check_fast(records: list,
                image_to_video: Optional[Dict[int, int]]
                ) -> Optional[List[dict]]:
    """Vectorised check; None when anything looks wrong (the slow check
    then names the record)."""
    n = len(records)
    try:
        img = np.array([r['image_id'] for r in records])
        cat = np.array([r['category_id'] for r in records])
        tid = np.array([r['track_id'] for r in records])
        box = np.array([r['bbox'] for r in records])
        score = np.array([r['score'] for r in records])
        given = [r.get('video_id') for r in records]
        if image_to_video is None:
            vid = np.array(given)
        else:
            vid = np.array([image_to_video[i] for i in img.tolist()])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if n == 0:
        return []
    if (any(a.dtype.kind not in 'iu' or a.shape != (n, )
            for a in (img, cat, tid, vid)) or box.shape != (n, 4)
            or box.dtype.kind not in 'iuf' or score.shape != (n, )
            or score.dtype.kind not in 'iuf'):
        return None
    box, score = box.astype(np.float64), score.astype(np.float64)
    if (not np.isfinite(box).all() or not np.isfinite(score).all()
            or (box[:, 2:] < 0).any()):
        return None
    if image_to_video is not None and any(
            v is not None and v != w for v, w in zip(given, vid.tolist())):
        return None
    keys = np.stack([img, vid, tid], axis=1)
    if len(np.unique(keys, axis=0)) != n:
        return None
    return [
        dict(image_id=i, category_id=c, track_id=t, bbox=b, score=sc,
             video_id=v)
        for i, c, t, b, sc, v in zip(img.tolist(), cat.tolist(),
                                     tid.tolist(), box.tolist(),
                                     score.tolist(), vid.tolist())
    ]


def _check_slow(records: list, source: str,
                image_to_video: Optional[Dict[int, int]]) -> List[dict]:
    """Record-by-record check that names the first bad record."""
    out, seen = [], set()
    for i, rec in enumerate(records):
        where = f'{source}: results[{i}]'
        box = check_record_fields(
            rec, where, _KEYS, ('image_id', 'category_id', 'track_id'))
        if box[2] < 0 or box[3] < 0:
            raise AnnotationError(f'{where}: bbox {box!r} has negative size')
        if not is_finite_number(rec['score']):
            raise AnnotationError(
                f'{where}: score must be a finite number, got '
                f'{rec["score"]!r}')
        video_id = rec.get('video_id')
        if video_id is None and image_to_video is None:
            raise AnnotationError(f'{where} lacks video_id')
        if video_id is not None and not is_int(video_id):
            raise AnnotationError(
                f'{where}: video_id must be an integer, got {video_id!r}')
        if image_to_video is not None:
            if rec['image_id'] not in image_to_video:
                raise AnnotationError(
                    f'{where}: image_id {rec["image_id"]} is not in the '
                    'ground truth')
            true_video = image_to_video[rec['image_id']]
            if video_id is not None and video_id != true_video:
                raise AnnotationError(
                    f'{where}: video_id {video_id} differs from the video '
                    f'{true_video} of image {rec["image_id"]}')
            video_id = true_video
        key = (rec['image_id'], video_id, rec['track_id'])
        if key in seen:
            raise AnnotationError(
                f'{where}: track {rec["track_id"]} has two boxes in image '
                f'{rec["image_id"]}')
        seen.add(key)
        norm = dict(
            image_id=int(rec['image_id']),
            category_id=int(rec['category_id']),
            track_id=int(rec['track_id']),
            bbox=[float(v) for v in box],
            score=float(rec['score']))
        norm['video_id'] = int(video_id)
        out.append(norm)
    return out


def renumber_tracks(records: List[dict]) -> List[dict]:
    """Give every (video, track) pair its own id, counting from 1.

    Track ids of different videos may collide in a tracker's output, and
    TrackEval's TrackMAP takes a predicted track id of 0 for "unmatched"
    (``gt_m > 0``), letting a later track claim the same ground truth.
    Renumbering in order of first appearance removes both problems.

    Args:
        records (list[dict]): Records with ``video_id`` and ``track_id``.

    Returns:
        list[dict]: New records; the input is not modified.
    """
    new_ids = defaultdict(lambda: len(new_ids) + 1)
    return [
        dict(rec, track_id=new_ids[rec['video_id'], rec['track_id']])
        for rec in records
    ]


def write_tao_results(records: List[dict],
                      out_file: str,
                      renumber: bool = True) -> str:
    """Check and write a TAO results file atomically.

    Args:
        records (list[dict]): Result records (see the module docstring).
        out_file (str): Destination ``.json``; folders are created.
        renumber (bool): Renumber tracks with :func:`renumber_tracks`.
            Defaults to True.

    Returns:
        str: ``out_file``.
    """
    records = check_tao_results(records, source=out_file)
    if renumber:
        records = renumber_tracks(records)
    atomic_write_json(out_file, records, indent=None)
    return out_file


def read_tao_results(path: str,
                     image_to_video: Optional[Dict[int, int]] = None
                     ) -> List[dict]:
    """Read and check a TAO results file.

    Args:
        path (str): The results ``.json``.
        image_to_video (dict[int, int], optional): See
            :func:`check_tao_results`.

    Returns:
        list[dict]: Normalised records.
    """
    return check_tao_results(load_json(path), path, image_to_video)


def load_tao_gt_and_results(gt, results) -> tuple:
    """Ground truth as CocoVID and checked results, for the TAO metrics.

    Args:
        gt (str | dict): TAO or CocoVID ground truth (file or dict).
        results (str | list[dict]): A TAO results file or its records.

    Returns:
        tuple[dict, list[dict]]: The CocoVID ground truth and the results,
        validated against its images (errors name the file and record).
    """
    gt = load_as_cocovid(gt)
    image_to_video = {img['id']: img['video_id'] for img in gt['images']}
    if isinstance(results, str):
        results = read_tao_results(results, image_to_video)
    else:
        results = check_tao_results(results, '<results>', image_to_video)
    return gt, results
