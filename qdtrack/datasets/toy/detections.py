"""Noisy public pedestrian detections (``det/det.txt``) of a toy sequence.

Like the public detections shipped with MOT17, they come from an imperfect
detector: boxes are jittered, occluded people are often missed, scores grow
with visibility, the person-shaped statue is sometimes detected, and a few
false positives appear on the background.
"""
from __future__ import annotations

import numpy as np

from .camera import FAR_DEPTH, NEAR_DEPTH, Camera

#: Mean number of background false positives per frame.
FALSE_POSITIVES_PER_FRAME = 0.25


def _clip_box(box, width: int, height: int):
    x0, y0 = max(box[0], 0.0), max(box[1], 0.0)
    x1 = min(box[0] + box[2], float(width))
    y1 = min(box[1] + box[3], float(height))
    if x1 - x0 < 1.0 or y1 - y0 < 1.0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def _jitter(rng: np.random.Generator, box) -> tuple:
    x, y, w, h = box
    w2 = w * float(np.exp(0.06 * rng.standard_normal()))
    h2 = h * float(np.exp(0.05 * rng.standard_normal()))
    cx = x + 0.5 * w + 0.05 * w * rng.standard_normal()
    cy = y + 0.5 * h + 0.04 * h * rng.standard_normal()
    return (cx - 0.5 * w2, cy - 0.5 * h2, w2, h2)


def detect_frame(rng: np.random.Generator, camera: Camera,
                 pedestrians: list, statue, shake) -> list:
    """Simulated detections of one frame.

    Args:
        rng (np.random.Generator): Random generator.
        camera (Camera): The sequence camera (gives image size and
            pedestrian-like false-positive boxes).
        pedestrians (list[tuple]): ``(box, visibility)`` of every
            pedestrian in the frame, box ``(x, y, w, h)`` in pixels.
        statue (tuple | None): ``(box, visibility)`` of the statue.
        shake (tuple[int, int]): Camera shake of the frame.

    Returns:
        list[tuple]: Detections ``(x, y, w, h, score)``, clipped to the
        image.
    """
    W, H = camera.width, camera.height
    out = []
    for box, vis in pedestrians:
        p = 0.97 * min(1.0, vis / 0.6) ** 1.5
        if box[3] < 0.1 * H:
            p *= 0.8
        if rng.random() >= p:
            continue
        score = float(np.clip(0.35 + 0.6 * vis + 0.08 *
                              rng.standard_normal(), 0.05, 0.99))
        det = _clip_box(_jitter(rng, box), W, H)
        if det is not None:
            out.append(det + (score,))
    if statue is not None and statue[1] > 0.3 and rng.random() < 0.35:
        det = _clip_box(_jitter(rng, statue[0]), W, H)
        if det is not None:
            out.append(det + (float(rng.uniform(0.3, 0.7)),))
    for _ in range(int(rng.poisson(FALSE_POSITIVES_PER_FRAME))):
        z = rng.uniform(NEAR_DEPTH + 0.5, FAR_DEPTH)
        x = rng.uniform(-1.0, 1.0) * camera.half_view(z)
        h = rng.uniform(1.2, 2.0)
        box = camera.project(x, z, rng.uniform(0.3, 0.5) * h, h)
        box = (box[0] + shake[0], box[1] + shake[1], box[2], box[3])
        det = _clip_box(box, W, H)
        if det is not None:
            out.append(det + (float(rng.uniform(0.05, 0.55)),))
    return out
