"""MOTChallenge results and det.txt writers, track interpolation.

Track rows are arrays of shape (N, 7) ``frame, track_id, x, y, w, h,
score`` or (N, 10) with 3 trailing world-coordinate columns (what
:func:`qdtrack.datasets.mot_files.read_mot_results` returns). Frames are
1-based integers, track ids integers >= 0, boxes are the top-left corner
plus width and height in pixels.
"""
import os
from typing import Optional

import numpy as np

from qdtrack.utils.io import atomic_write_text


def write_mot_results(path: str, rows,
                      decimals: Optional[int] = None) -> None:
    """Write tracks as a MOTChallenge results file, atomically.

    Every line is ``frame,id,x,y,w,h,score,-1,-1,-1`` (the official
    10-column format; world coordinates of (N, 10) input are not written),
    sorted by frame, then track id. An empty input writes an empty file.

    Args:
        path (str): the results file, e.g. ``<out>/MOT17-02-FRCNN.txt``.
            Missing parent folders are created; an existing file is
            replaced only once the new one is complete.
        rows (array-like): (N, 7) or (N, 10) track rows (see module doc).
        decimals (int, optional): digits after the decimal point of the
            box and score values. None (default) writes the shortest text
            that reads back as exactly the same float64 value.

    Raises:
        ValueError: ``rows`` has the wrong shape, a non-finite value, a
            frame that is not an integer >= 1, a track id that is not an
            integer >= 0, a box with width or height <= 0, or a track id
            twice in one frame. The message names the row.
    """
    rows = _check_rows(rows)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    _write_rows(path, rows, decimals)


def write_mot_det(path: str, rows, decimals: Optional[int] = None) -> None:
    """Write detections as a MOTChallenge ``det.txt``, atomically.

    Every line is ``frame,-1,x,y,w,h,score,-1,-1,-1``, sorted by frame
    (stable: a frame's boxes keep their order), so that a detector's boxes
    can be given to any tracker (``public_det_file`` of
    :class:`~qdtrack.datasets.CocoVideoDataset`). It reads back with
    :func:`qdtrack.datasets.mot_files.read_mot_det`.

    Args:
        path (str): The file, e.g. ``<dir>/<SEQ>/det/det.txt``; folders are
            created.
        rows (array-like): (N, 6) ``frame, x, y, w, h, score``.
        decimals (int, optional): See :func:`write_mot_results`.

    Raises:
        ValueError: wrong shape, a non-finite value, a frame that is not
            an integer >= 1, or a box with width or height <= 0.
    """
    rows = np.array(rows, dtype=np.float64)
    if rows.size == 0:
        rows = rows.reshape(0, 6)
    if rows.ndim != 2 or rows.shape[1] != 6:
        raise ValueError('rows must have shape (N, 6), got '
                         f'{tuple(rows.shape)}')
    # a track id column of 0 passes the result checks; written as -1
    with_ids = np.insert(rows, 1, 0.0, axis=1)
    _check_rows(with_ids, unique_ids=False)
    with_ids[:, 1] = -1
    order = np.argsort(rows[:, 0], kind='stable')
    _write_rows(path, with_ids[order], decimals)


def _write_rows(path: str, rows: np.ndarray,
                decimals: Optional[int]) -> None:
    """Write (N, 7) checked rows in the 10-column MOTChallenge format."""
    if decimals is None:
        lines = [f'{int(r[0])},{int(r[1])},{r[2]!r},{r[3]!r},{r[4]!r},'
                 f'{r[5]!r},{r[6]!r},-1,-1,-1' for r in rows.tolist()]
    else:
        if int(decimals) != decimals or decimals < 0:
            raise ValueError(f'decimals must be an integer >= 0 or None, '
                             f'got {decimals!r}')
        d = int(decimals)
        lines = [f'{int(r[0])},{int(r[1])},{r[2]:.{d}f},{r[3]:.{d}f},'
                 f'{r[4]:.{d}f},{r[5]:.{d}f},{r[6]:.{d}f},-1,-1,-1'
                 for r in rows.tolist()]
    text = '\n'.join(lines) + ('\n' if lines else '')
    atomic_write_text(os.fspath(path), text)


def interpolate_tracks(rows, max_gap: int = 20) -> np.ndarray:
    """Fill short gaps of each track by linear interpolation.

    For two consecutive rows of one track at frames ``f0 < f1`` with
    ``1 <= f1 - f0 - 1 <= max_gap`` missing frames in between, a row is
    added at every missing frame ``f`` with box and score
    ``v0 + (f - f0) / (f1 - f0) * (v1 - v0)``. Longer gaps are left open.
    Interpolated rows of (N, 10) input get -1 world coordinates. This is
    the post-processing often applied to MOT17 submissions.

    Args:
        rows (array-like): (N, 7) or (N, 10) track rows (see module doc).
        max_gap (int): the longest run of missing frames that is filled.
            0 disables interpolation. Defaults to 20.

    Returns:
        np.ndarray: (M, C) float64 rows, M >= N, with the same columns as
        the input, sorted by frame then track id; input rows are kept
        unchanged.

    Raises:
        ValueError: invalid rows (see :func:`write_mot_results`) or a
            negative or non-integer ``max_gap``.
    """
    if int(max_gap) != max_gap or max_gap < 0:
        raise ValueError(f'max_gap must be an integer >= 0, got {max_gap!r}')
    rows = _check_rows(rows)
    by_track = rows[np.lexsort((rows[:, 0], rows[:, 1]))]
    same_track = by_track[1:, 1] == by_track[:-1, 1]
    missing = by_track[1:, 0] - by_track[:-1, 0] - 1
    gaps = np.flatnonzero(same_track & (missing >= 1) & (missing <= max_gap))
    counts = missing[gaps].astype(np.int64)
    if counts.sum() > 0:
        start = np.repeat(by_track[gaps], counts, axis=0)
        end = np.repeat(by_track[gaps + 1], counts, axis=0)
        # step k = 1..count inside each gap
        first = np.repeat(np.cumsum(counts) - counts, counts)
        step = np.arange(counts.sum()) - first + 1
        frac = step / np.repeat(counts + 1, counts)
        new = start + frac[:, None] * (end - start)
        new[:, 0] = start[:, 0] + step
        new[:, 1] = start[:, 1]
        new[:, 7:] = -1.0
        rows = np.concatenate([rows, new], axis=0)
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def _check_rows(rows, unique_ids: bool = True) -> np.ndarray:
    """Validate track rows and return them as a float64 copy."""
    rows = np.array(rows, dtype=np.float64)
    if rows.size == 0 and rows.ndim == 1 or rows.shape == (0, 0):
        return np.zeros((0, 7))
    if rows.ndim != 2 or rows.shape[1] not in (7, 10):
        raise ValueError('rows must have shape (N, 7) or (N, 10), got '
                         f'{tuple(rows.shape)}')
    checks = (
        (~np.isfinite(rows).all(axis=1), 'NaN or infinite value'),
        ((rows[:, 0] < 1) | (rows[:, 0] != np.floor(rows[:, 0])),
         'frame must be an integer >= 1'),
        ((rows[:, 1] < 0) | (rows[:, 1] != np.floor(rows[:, 1])),
         'track id must be an integer >= 0'),
        (~((rows[:, 4] > 0) & (rows[:, 5] > 0)),
         'box width and height must be > 0'),
    )
    for bad, problem in checks:
        index = np.flatnonzero(bad)
        if len(index):
            i = int(index[0])
            raise ValueError(f'rows[{i}]: {problem}, got '
                             f'{rows[i].tolist()}')
    if not unique_ids:
        return rows
    order = np.lexsort((rows[:, 1], rows[:, 0]))
    keys = rows[order, :2]
    dup = np.flatnonzero((keys[1:] == keys[:-1]).all(axis=1))
    if len(dup):
        i, j = sorted((int(order[dup[0]]), int(order[dup[0] + 1])))
        raise ValueError(f'rows[{j}]: track id {rows[j, 1]:g} appears twice '
                         f'in frame {rows[j, 0]:g} (also rows[{i}])')
    return rows
