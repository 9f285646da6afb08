"""Draw tracks on frames: a stable colour per id, short trails."""
import colorsys
from collections import deque
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

_GOLDEN = 0.618033988749895


def id_color(track_id: int) -> Tuple[int, int, int]:
    """A colour that depends on the id only (BGR, 0-255).

    Hues follow the golden-ratio sequence, so consecutive ids get far
    apart hues; saturation and value alternate between two levels.

    Args:
        track_id (int): Track id (>= 0).

    Returns:
        tuple[int, int, int]: ``(b, g, r)``.
    """
    track_id = int(track_id)
    hue = (track_id * _GOLDEN) % 1.0
    sat, val = (0.85, 1.0) if track_id % 2 == 0 else (1.0, 0.8)
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    return int(round(b * 255)), int(round(g * 255)), int(round(r * 255))


class Trails:
    """Recent box centres of each track, forgotten after ``length`` frames.

    Memory is bounded by the tracks seen in the last ``length`` frames.

    Args:
        length (int): Number of past frames a trail spans. 0 disables.
    """

    def __init__(self, length: int = 20) -> None:
        self.length = int(length)
        self._points: Dict[int, deque] = {}

    def update(self, frame_index: int, bboxes: np.ndarray,
               ids: np.ndarray) -> None:
        """Add the bottom-centre point of every box of a frame.

        Args:
            frame_index (int): The frame.
            bboxes (np.ndarray): (K, 4) ``x1, y1, x2, y2``.
            ids (np.ndarray): (K, ) track ids.
        """
        if self.length <= 0:
            return
        for box, tid in zip(bboxes, ids):
            point = (frame_index, int(round((box[0] + box[2]) / 2)),
                     int(round(box[3])))
            self._points.setdefault(int(tid), deque()).append(point)
        oldest = frame_index - self.length
        for tid in list(self._points):
            points = self._points[tid]
            while points and points[0][0] <= oldest:
                points.popleft()
            if not points:
                del self._points[tid]

    def polylines(self) -> Dict[int, np.ndarray]:
        """Trail of each track, (P, 2) int32 points, oldest first."""
        return {
            tid: np.array([p[1:] for p in points], dtype=np.int32)
            for tid, points in self._points.items()
        }


def draw_tracks(image: np.ndarray,
                bboxes: np.ndarray,
                ids: np.ndarray,
                labels: Optional[np.ndarray] = None,
                scores: Optional[np.ndarray] = None,
                class_names: Optional[Sequence[str]] = None,
                trails: Optional[Trails] = None,
                thickness: int = 2) -> np.ndarray:
    """Draw boxes with their ids (and trails) on a copy of ``image``.

    Tracks are drawn in ascending id order, so the picture does not depend
    on the order of the rows.

    Args:
        image (np.ndarray): (H, W, 3) uint8 BGR frame.
        bboxes (np.ndarray): (K, 4) ``x1, y1, x2, y2``.
        ids (np.ndarray): (K, ) track ids; box, label and trail of a track
            take :func:`id_color`.
        labels (np.ndarray, optional): (K, ) class indices.
        scores (np.ndarray, optional): (K, ) scores.
        class_names (Sequence[str], optional): Names of the classes.
        trails (Trails, optional): Trails drawn under the boxes.
        thickness (int): Line width in pixels. Defaults to 2.

    Returns:
        np.ndarray: The annotated copy, same shape and dtype.
    """
    canvas = np.ascontiguousarray(image).copy()
    if trails is not None:
        for tid, points in sorted(trails.polylines().items()):
            if len(points) > 1:
                cv2.polylines(canvas, [points.reshape(-1, 1, 2)], False,
                              id_color(tid), max(1, thickness - 1),
                              cv2.LINE_AA)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.4
    for k in np.argsort(np.asarray(ids), kind='stable'):
        box, tid = bboxes[k], ids[k]
        color = id_color(tid)
        x1, y1, x2, y2 = (int(round(v)) for v in box[:4])
        cv2.rectangle(canvas, (x1, y1), (x2, y2), color, thickness)
        text = str(int(tid))
        if labels is not None and class_names is not None:
            text += f' {class_names[int(labels[k])]}'
        if scores is not None:
            text += f' {float(scores[k]):.2f}'
        (tw, th), base = cv2.getTextSize(text, font, scale, 1)
        ty = max(y1, th + base)
        cv2.rectangle(canvas, (x1, ty - th - base), (x1 + tw, ty), color,
                      cv2.FILLED)
        cv2.putText(canvas, text, (x1, ty - base), font, scale, (0, 0, 0),
                    1, cv2.LINE_AA)
    return canvas
