"""BDD100K box tracking submission files (scalabel JSON).

A submission is one JSON file per video (or one file for all videos)
holding a list of frames::

    {"name": "<video>-0000001.jpg", "videoName": "<video>", "frameIndex": 0,
     "labels": [{"id": "3", "category": "car", "score": 0.93,
                 "box2d": {"x1": .., "y1": .., "x2": .., "y2": ..}}]}

Every frame of a video is written, with empty ``labels`` where nothing was
tracked (the official evaluation needs as many frames as the ground truth).
"""
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np
from tqdm import tqdm

from qdtrack.datasets.bdd100k import (
    BDD100K_CLASSES,
    map_bdd100k_category,
    xyxy_to_box2d,
)
from qdtrack.utils.io import atomic_write_json


def bdd100k_labels_from_arrays(bboxes: np.ndarray,
                               scores: np.ndarray,
                               labels: np.ndarray,
                               ids: np.ndarray,
                               classes: Sequence[str] = BDD100K_CLASSES
                               ) -> List[dict]:
    """Scalabel labels of one frame's tracked boxes.

    Args:
        bboxes (np.ndarray): (N, 4) boxes ``x1, y1, x2, y2`` in continuous
            image coordinates (mmdet); written with
            :func:`qdtrack.datasets.bdd100k.xyxy_to_box2d`.
        scores (np.ndarray): (N,) confidences.
        labels (np.ndarray): (N,) class indices into ``classes``.
        ids (np.ndarray): (N,) track ids; negative ids (untracked boxes)
            are skipped.
        classes (Sequence[str]): Class names. Defaults to the 8 BDD100K
            classes.

    Returns:
        list[dict]: Labels with ``id`` (str), ``category``, ``score`` and
        ``box2d``.

    Raises:
        ValueError: Arrays of different lengths, a non-finite box or a label
            index outside ``classes``.
    """
    bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    labels = np.asarray(labels).reshape(-1).astype(int)
    ids = np.asarray(ids).reshape(-1).astype(int)
    if not len(bboxes) == len(scores) == len(labels) == len(ids):
        raise ValueError(
            f'bboxes ({len(bboxes)}), scores ({len(scores)}), labels '
            f'({len(labels)}) and ids ({len(ids)}) differ in length')
    out = []
    for box, score, label, track_id in zip(bboxes, scores, labels, ids):
        if track_id < 0:
            continue
        if not 0 <= label < len(classes):
            raise ValueError(f'class index {label} outside the {len(classes)}'
                             ' classes')
        if not np.all(np.isfinite(box)):
            raise ValueError(f'track {track_id}: non-finite box {box}')
        out.append(dict(id=str(int(track_id)), category=classes[label],
                        score=float(score), box2d=xyxy_to_box2d(box)))
    return out


def bdd100k_frame(name: str, video_name: str, frame_index: int,
                  labels: Optional[List[dict]] = None) -> dict:
    """One scalabel frame.

    Args:
        name (str): Image file name, e.g. ``<video>-0000001.jpg``.
        video_name (str): Video name.
        frame_index (int): 0-based index of the frame in its video.
        labels (list[dict], optional): From
            :func:`bdd100k_labels_from_arrays`. Defaults to None (empty).

    Returns:
        dict: ``{name, videoName, frameIndex, labels}``.
    """
    return dict(name=str(name), videoName=str(video_name),
                frameIndex=int(frame_index), labels=list(labels or []))


def _check_frame(frame: dict, position: int) -> str:
    where = f'result frame {position}'
    if not isinstance(frame, dict):
        raise ValueError(f'{where} is not a dict')
    for key, kind in (('name', str), ('videoName', str), ('frameIndex', int),
                      ('labels', list)):
        if not isinstance(frame.get(key), kind):
            raise ValueError(f'{where} ({frame.get("name")}): "{key}" '
                             f'missing or not a {kind.__name__}')
    where = f'{where} ({frame["name"]} of {frame["videoName"]})'
    for lab in frame['labels']:
        box = lab.get('box2d') or {}
        if (lab.get('id') is None
                or map_bdd100k_category(str(lab.get('category'))) is None
                or not all(np.isfinite(box.get(k, np.nan))
                           for k in ('x1', 'y1', 'x2', 'y2'))):
            raise ValueError(f'{where}: bad label {lab} (needs id, a BDD100K '
                             'category and a finite box2d)')
    return frame['videoName']


def write_bdd100k_results(frames: Iterable[dict],
                          out_path: str,
                          progress: bool = True) -> List[str]:
    """Write tracking results in the BDD100K submission format.

    Args:
        frames (Iterable[dict]): Scalabel frames (see :func:`bdd100k_frame`)
            of any number of videos, in any order.
        out_path (str): A ``.json`` file receiving all frames, or a folder
            receiving ``<videoName>.json`` per video. Files are written
            atomically.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        list[str]: The files written.

    Raises:
        ValueError: A malformed frame (named by position and name) or two
            frames with the same video and ``frameIndex``.
    """
    videos: Dict[str, Dict[int, dict]] = defaultdict(dict)
    for position, frame in enumerate(frames):
        video = _check_frame(frame, position)
        if frame['frameIndex'] in videos[video]:
            raise ValueError(
                f'result frame {position} ({frame["name"]}): video {video} '
                f'already has a frame with frameIndex {frame["frameIndex"]}')
        videos[video][frame['frameIndex']] = frame
    ordered = {v: [fr[i] for i in sorted(fr)]
               for v, fr in sorted(videos.items())}
    if out_path.endswith('.json'):
        atomic_write_json(out_path,
                          [f for fr in ordered.values() for f in fr],
                          indent=None)
        return [out_path]
    os.makedirs(out_path, exist_ok=True)
    written = []
    for video, video_frames in tqdm(ordered.items(), desc='writing BDD100K',
                                    disable=not progress):
        path = osp.join(out_path, f'{video}.json')
        atomic_write_json(path, video_frames, indent=None)
        written.append(path)
    return written
