"""Byte-stable formatting of the toy benchmark's files (MOT17, CocoVID).

Fixed decimals in text files, sorted keys and fixed separators in JSON,
fixed JPEG quality; the generator writes them with ``qdtrack.utils.io``.
"""
from __future__ import annotations

import json

import cv2
import numpy as np

#: JPEG quality of the toy images.
JPEG_QUALITY = 90


def encode_jpeg(img: np.ndarray) -> bytes:
    """Encode a BGR image as JPEG at :data:`JPEG_QUALITY`.

    Args:
        img (np.ndarray): BGR image, shape (H, W, 3), dtype uint8.

    Returns:
        bytes: The JPEG file content.
    """
    ok, buf = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY,
                                         JPEG_QUALITY])
    if not ok:
        raise RuntimeError(f'cv2.imencode failed on an image of shape '
                           f'{img.shape}')
    return buf.tobytes()


def format_gt_rows(rows: list) -> str:
    """MOT17 ``gt.txt`` content.

    Args:
        rows (list[tuple]): ``(frame, id, x, y, w, h, consider, class,
            visibility)`` with 1-based frame and id, integer box.

    Returns:
        str: One comma-separated line per row (9 columns).
    """
    return ''.join(
        f'{f},{i},{x},{y},{w},{h},{c},{k},{v:.4f}\n'
        for f, i, x, y, w, h, c, k, v in rows)


def format_det_rows(rows: list) -> str:
    """MOT17 ``det.txt`` content.

    Args:
        rows (list[tuple]): ``(frame, x, y, w, h, score)``, 1-based frame.

    Returns:
        str: Lines ``frame,-1,x,y,w,h,score,-1,-1,-1`` (10 columns).
    """
    return ''.join(
        f'{f},-1,{x:.2f},{y:.2f},{w:.2f},{h:.2f},{s:.3f},-1,-1,-1\n'
        for f, x, y, w, h, s in rows)


def format_seqinfo(name: str, length: int, width: int, height: int,
                   fps: int) -> str:
    """MOT17 ``seqinfo.ini`` content."""
    return ('[Sequence]\n'
            f'name={name}\n'
            'imDir=img1\n'
            f'frameRate={fps}\n'
            f'seqLength={length}\n'
            f'imWidth={width}\n'
            f'imHeight={height}\n'
            'imExt=.jpg\n')


def format_json(obj) -> str:
    """Deterministic JSON text (sorted keys, compact, trailing newline)."""
    return json.dumps(obj, sort_keys=True, separators=(',', ':'),
                      ensure_ascii=True, allow_nan=False) + '\n'
