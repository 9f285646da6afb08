"""Textured static background of a toy sequence.

A street scene in perspective: sky and building facades with windows above
the horizon; paved ground with tile lines, a two-lane road, poles and trees
below it; low-frequency colour noise everywhere; and a glass shop window
(the mirror where reflections appear). The background is drawn once per
sequence, ``margin`` pixels larger than the image on every side so that
camera shake can crop it.
"""
from __future__ import annotations

import cv2
import numpy as np

from .camera import FAR_DEPTH, Camera

#: Depths (m) of the two road lanes; cars drive along them.
LANE_DEPTHS = (8.0, 10.0)
_LANE_HALF_WIDTH = 1.0


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cell: int,
                  amplitude: float) -> np.ndarray:
    """Blotchy noise, mostly in brightness and a third in colour."""
    small = rng.standard_normal((h // cell + 2, w // cell + 2, 4))
    small = small[..., :1] + 0.35 * small[..., 1:]
    big = cv2.resize(small.astype(np.float32), (w, h),
                     interpolation=cv2.INTER_CUBIC)
    return big * amplitude


def _rand_colour(rng: np.random.Generator, lo: int, hi: int,
                 tint: float = 25) -> np.ndarray:
    base = rng.uniform(lo, hi)
    return np.clip(base + rng.uniform(-tint, tint, 3), 0, 255)


def panel_rect(camera: Camera, side: int) -> tuple:
    """The glass window where reflections appear, in image coordinates.

    Args:
        camera (Camera): The sequence camera.
        side (int): -1 puts the window on the left edge, 1 on the right.

    Returns:
        tuple[int, int, int, int]: ``(x0, y0, x1, y1)``, exclusive end.
    """
    w, h = camera.width, camera.height
    pw = int(round(0.15 * w))
    y0 = int(round(camera.horizon - 0.3 * h))
    y1 = int(round(camera.horizon + 0.15 * h))
    if side < 0:
        return 0, y0, pw, y1
    return w - pw, y0, w, y1


def make_background(rng: np.random.Generator, camera: Camera, margin: int,
                    panel: tuple) -> np.ndarray:
    """Draw the background of one sequence.

    Args:
        rng (np.random.Generator): Random generator.
        camera (Camera): The sequence camera.
        margin (int): Extra pixels on every side (camera shake).
        panel (tuple): Glass window ``(x0, y0, x1, y1)`` in image
            coordinates (see :func:`panel_rect`).

    Returns:
        np.ndarray: BGR image of shape (H + 2m, W + 2m, 3), dtype uint8,
        where image pixel (x, y) without shake is at (x + m, y + m).
    """
    W, H, m = camera.width, camera.height, margin
    PW, PH = W + 2 * m, H + 2 * m
    hor = int(round(camera.horizon)) + m
    img = np.zeros((PH, PW, 3), np.float32)

    # sky gradient
    top, low = _rand_colour(rng, 170, 230, 30), _rand_colour(rng, 150, 210)
    t = np.linspace(0.0, 1.0, max(hor, 1), dtype=np.float32)[:, None, None]
    img[:hor] = top * (1 - t) + low * t
    # ground
    img[hor:] = _rand_colour(rng, 95, 150, 18)
    img += _smooth_noise(rng, PH, PW, max(4, H // 12), 14.0)

    def row(z: float) -> int:
        return int(round(camera.ground_row(z))) + m

    def col(x: float, z: float) -> int:
        return int(round(0.5 * W + x * camera.focal / z)) + m

    # paving: lines of constant depth and lines converging to the horizon
    pave = _rand_colour(rng, 60, 100, 10)
    for z in np.arange(4.0, FAR_DEPTH + 6.0, 1.6):
        cv2.line(img, (0, row(z)), (PW - 1, row(z)), pave.tolist(), 1)
    half = camera.half_view(4.0) + 4.0
    vp = (int(round(0.5 * W)) + m, hor)
    for x in np.arange(-half, half, 1.6):
        cv2.line(img, vp, (col(x, 3.0), row(3.0)), pave.tolist(), 1)
    img[hor:hor + 1] = low

    # road with a dashed centre line
    r0 = row(LANE_DEPTHS[1] + _LANE_HALF_WIDTH)
    r1 = row(LANE_DEPTHS[0] - _LANE_HALF_WIDTH)
    img[r0:r1] = _rand_colour(rng, 55, 80, 5) + _smooth_noise(
        rng, r1 - r0, PW, 6, 5.0)
    zc = 0.5 * (LANE_DEPTHS[0] + LANE_DEPTHS[1])
    rc = row(zc)
    thick = max(1, int(round(0.012 * H)))
    for x0 in np.arange(-60.0, 60.0, 3.0):
        cv2.line(img, (col(x0, zc), rc), (col(x0 + 1.5, zc), rc),
                 (225, 225, 225), thick)

    # building facades with window grids
    x = int(rng.integers(-40, 0))
    while x < PW:
        bw = int(rng.uniform(0.12, 0.3) * H)
        bh = int(rng.uniform(0.25, 0.55) * H)
        colour = _rand_colour(rng, 70, 190, 35)
        cv2.rectangle(img, (x, hor - bh), (x + bw, hor), colour.tolist(), -1)
        win = colour * rng.uniform(0.45, 0.75)
        step = max(4, int(0.05 * H))
        for wy in range(hor - bh + step // 2, hor - step // 2, step):
            for wx in range(x + step // 2, x + bw - step // 2, step):
                cv2.rectangle(img, (wx, wy), (wx + step // 2, wy + step // 2),
                              win.tolist(), -1)
        x += bw + int(rng.integers(0, max(2, H // 20)))

    # poles and trees standing on the pavement
    for _ in range(int(rng.integers(3, 7))):
        z = rng.uniform(FAR_DEPTH, FAR_DEPTH + 8.0)
        xw = rng.uniform(-camera.half_view(z), camera.half_view(z))
        base, px = row(z), col(xw, z)
        height = int(rng.uniform(2.5, 4.5) * camera.focal / z)
        width = max(1, int(0.15 * camera.focal / z))
        if rng.random() < 0.5:
            cv2.rectangle(img, (px - width, base - height), (px + width, base),
                          _rand_colour(rng, 30, 70, 8).tolist(), -1)
        else:
            cv2.rectangle(img, (px - width, base - height // 2),
                          (px + width, base), (40, 60, 85), -1)
            green = np.array([rng.uniform(30, 70), rng.uniform(100, 150),
                              rng.uniform(40, 80)])
            cv2.circle(img, (px, base - height // 2 - height // 5),
                       max(2, height // 4), green.tolist(), -1)

    # glass window: bluish tint and a dark frame
    x0, y0, x1, y1 = (v + m for v in panel)
    glass = img[y0:y1, x0:x1]
    glass[:] = 0.55 * glass + 0.45 * np.array([150, 120, 90], np.float32)
    cv2.rectangle(img, (x0, y0), (x1 - 1, y1 - 1), (45, 45, 50),
                  max(1, H // 80))

    img += rng.normal(0.0, 5.0, img.shape).astype(np.float32)
    img = cv2.GaussianBlur(img, (3, 3), 0)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)
