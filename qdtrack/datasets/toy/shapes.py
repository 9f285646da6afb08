"""Sprites of the toy benchmark: pedestrian, car and bicycle silhouettes.

Each ``render_*`` function draws one object into a canvas of exactly its
box size and returns the BGR canvas with the silhouette mask. Pedestrians
are tall (aspect w/h about 0.33), cars wide (about 2.8) and bicycles with
their rider in between (about 1.0). All drawing is OpenCV on small arrays,
with sub-pixel coordinates (``shift``) so small sprites keep their shape.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from .appearance import Appearance, texture

#: Category ids of the toy benchmark (CocoVID ids).
PEDESTRIAN, CAR, BICYCLE = 1, 2, 3

_SHIFT = 4
_ONE = 1 << _SHIFT


def _pts(points, w: int, h: int) -> np.ndarray:
    """Relative (x, y) points -> fixed-point pixel coordinates."""
    arr = np.asarray(points, dtype=np.float64) * [w - 1, h - 1]
    return np.round(arr * _ONE).astype(np.int32)


class _Canvas:
    """A sprite canvas with its silhouette mask."""

    def __init__(self, w: int, h: int):
        self.w, self.h = w, h
        self.img = np.zeros((h, w, 3), np.uint8)
        self.mask = np.zeros((h, w), np.uint8)
        self._part = np.zeros((h, w), np.uint8)

    def _apply(self, colour) -> None:
        sel = self._part > 0
        if isinstance(colour, np.ndarray):
            self.img[sel] = colour[sel]
        else:
            self.img[sel] = colour
        self.mask[sel] = 1
        self._part[:] = 0

    def poly(self, points, colour) -> None:
        cv2.fillPoly(self._part, [_pts(points, self.w, self.h)], 1,
                     cv2.LINE_8, _SHIFT)
        self._apply(colour)

    def circle(self, centre, radius: float, colour,
               thickness: int = -1) -> None:
        c = _pts([centre], self.w, self.h)[0]
        r = int(round(radius * _ONE))
        cv2.circle(self._part, (int(c[0]), int(c[1])), max(r, _ONE // 2), 1,
                   thickness, cv2.LINE_8, _SHIFT)
        self._apply(colour)

    def line(self, p0, p1, thickness: float, colour) -> None:
        a, b = _pts([p0, p1], self.w, self.h)
        cv2.line(self._part, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])),
                 1, max(1, int(round(thickness))), cv2.LINE_8, _SHIFT)
        self._apply(colour)

    def part_texture(self, app: Appearance, top: float,
                     bottom: float) -> np.ndarray:
        """Full-canvas texture whose pattern is anchored to rows
        ``[top, bottom]`` (relative) of the canvas."""
        y0 = int(round(top * (self.h - 1)))
        y1 = max(int(round(bottom * (self.h - 1))), y0 + 1)
        out = np.zeros((self.h, self.w, 3), np.uint8)
        tex = texture(app, y1 - y0, self.w, unit=y1 - y0)
        out[y0:y1] = tex
        out[:y0] = tex[:1]
        out[y1:] = tex[-1:]
        return out


def _darker(colour, factor: float = 0.6) -> tuple:
    return tuple(int(c * factor) for c in colour)


def render_pedestrian(app: Appearance, w: int, h: int,
                      phase: float) -> tuple:
    """Draw a walking person.

    Args:
        app (Appearance): Identity appearance (pattern on the shirt).
        w (int): Sprite width in pixels.
        h (int): Sprite height in pixels.
        phase (float): Gait phase in radians (legs and arms swing).

    Returns:
        tuple[np.ndarray, np.ndarray]: BGR canvas (h, w, 3) uint8 and
        silhouette mask (h, w) bool.
    """
    c = _Canvas(w, h)
    s = 0.24 * math.sin(phase)
    shoe = _darker(app.accent, 0.5)
    for sign in (-1, 1):
        hip = 0.5 + sign * 0.12
        foot = 0.5 + sign * (0.14 - s)
        c.poly([(hip - 0.11, 0.55), (hip + 0.11, 0.55), (foot + 0.1, 0.95),
                (foot - 0.1, 0.95)], app.accent)
        c.poly([(foot - 0.12, 0.93), (foot + 0.12, 0.93), (foot + 0.12, 1.0),
                (foot - 0.12, 1.0)], shoe)
    for sign in (-1, 1):
        hand = 0.5 + sign * 0.4 + sign * s * 0.5
        c.line((0.5 + sign * 0.34, 0.22), (hand, 0.5), 0.12 * w,
               app.primary)
    c.poly([(0.13, 0.2), (0.87, 0.2), (0.8, 0.58), (0.2, 0.58)],
           c.part_texture(app, 0.2, 0.58))
    r = min(0.085 * h, 0.3 * w)
    c.circle((0.5, 0.1), r, app.skin)
    c.poly([(0.5 - 0.3, 0.02), (0.5 + 0.3, 0.02), (0.5 + 0.3, 0.085),
            (0.5 - 0.3, 0.085)], app.hair)
    # the hair rectangle leaks outside the head: trim it to the head circle
    head = np.zeros((h, w), np.uint8)
    cc = _pts([(0.5, 0.1)], w, h)[0]
    cv2.circle(head, (int(cc[0]), int(cc[1])), max(int(r * _ONE), 8), 1, -1,
               cv2.LINE_8, _SHIFT)
    body = np.zeros((h, w), np.uint8)
    body[int(0.16 * h):] = 1
    c.mask &= (head | body).astype(np.uint8)
    return c.img, c.mask.astype(bool)


def render_car(app: Appearance, w: int, h: int, phase: float) -> tuple:
    """Draw a car seen from the side, facing right.

    Args:
        app (Appearance): Identity appearance (pattern on the body).
        w (int): Sprite width in pixels.
        h (int): Sprite height in pixels.
        phase (float): Unused (cars have no gait); kept for a common
            signature.

    Returns:
        tuple[np.ndarray, np.ndarray]: BGR canvas and bool mask.
    """
    c = _Canvas(w, h)
    c.poly([(0.22, 0.42), (0.33, 0.04), (0.64, 0.04), (0.8, 0.42)],
           app.primary)
    c.poly([(0.27, 0.4), (0.36, 0.1), (0.47, 0.1), (0.47, 0.4)],
           (205, 185, 160))
    c.poly([(0.5, 0.4), (0.5, 0.1), (0.62, 0.1), (0.74, 0.4)],
           (205, 185, 160))
    c.poly([(0.0, 0.46), (0.06, 0.38), (0.94, 0.4), (1.0, 0.5),
            (1.0, 0.82), (0.0, 0.82)], c.part_texture(app, 0.38, 0.82))
    c.poly([(0.0, 0.74), (1.0, 0.74), (1.0, 0.8), (0.0, 0.8)], app.accent)
    c.poly([(0.95, 0.5), (1.0, 0.5), (1.0, 0.58), (0.95, 0.58)],
           (60, 220, 240))
    for cx in (0.2, 0.8):
        c.circle((cx, 0.8), 0.19 * h, (28, 28, 30))
        c.circle((cx, 0.8), 0.08 * h, (165, 165, 170))
    return c.img, c.mask.astype(bool)


def render_bicycle(app: Appearance, w: int, h: int, phase: float) -> tuple:
    """Draw a cyclist seen from the side, facing right.

    Args:
        app (Appearance): Identity appearance (pattern on the jersey,
            accent on the frame).
        w (int): Sprite width in pixels.
        h (int): Sprite height in pixels.
        phase (float): Pedalling phase in radians.

    Returns:
        tuple[np.ndarray, np.ndarray]: BGR canvas and bool mask.
    """
    c = _Canvas(w, h)
    r = min(0.2 * h, 0.21 * w)
    ry = 1.0 - r / max(h - 1, 1) - 0.01
    rear, front = (0.23, ry), (0.77, ry)
    crank = (0.5, ry)
    seat, bar = (0.42, 0.52), (0.7, 0.48)
    t_wheel = max(1.0, 0.04 * h)
    for hub in (rear, front):
        c.circle(hub, r, (35, 35, 38), thickness=int(round(t_wheel)))
    t_frame = max(1.0, 0.045 * h)
    for a, b in ((rear, seat), (seat, crank), (crank, rear), (seat, bar),
                 (bar, front)):
        c.line(a, b, t_frame, app.accent)
    for k in (0.0, math.pi):
        pedal = (crank[0] + 0.09 * math.cos(phase + k),
                 crank[1] + 0.09 * math.sin(phase + k))
        knee = (0.5 * (seat[0] + pedal[0]) + 0.08,
                0.5 * (seat[1] + pedal[1]) - 0.05)
        c.line(seat, knee, 0.075 * h, _darker(app.hair, 0.8))
        c.line(knee, pedal, 0.065 * h, _darker(app.hair, 0.8))
    c.poly([(0.34, 0.53), (0.5, 0.53), (0.68, 0.2), (0.5, 0.14)],
           c.part_texture(app, 0.14, 0.53))
    c.line((0.6, 0.2), bar, 0.055 * h, app.primary)
    c.circle((0.62, 0.08), 0.075 * h, app.skin)
    c.poly([(0.53, 0.0), (0.72, 0.0), (0.72, 0.06), (0.53, 0.06)], app.hair)
    return c.img, c.mask.astype(bool)


_RENDERERS = {PEDESTRIAN: render_pedestrian, CAR: render_car,
              BICYCLE: render_bicycle}


def render_object(category: int, app: Appearance, w: int, h: int,
                  phase: float = 0.0, facing: int = 1) -> tuple:
    """Draw one object sprite.

    Args:
        category (int): ``PEDESTRIAN``, ``CAR`` or ``BICYCLE``.
        app (Appearance): Identity appearance.
        w (int): Sprite width in pixels (>= 1).
        h (int): Sprite height in pixels (>= 1).
        phase (float): Gait / pedalling phase in radians.
        facing (int): 1 faces right, -1 faces left (mirrored sprite).

    Returns:
        tuple[np.ndarray, np.ndarray]: BGR canvas (h, w, 3) uint8 and
        silhouette mask (h, w) bool.
    """
    if category not in _RENDERERS:
        raise ValueError(f'unknown toy category {category}; expected one of '
                         f'{sorted(_RENDERERS)}')
    if w < 1 or h < 1:
        raise ValueError(f'sprite size must be positive, got {w}x{h}')
    img, mask = _RENDERERS[category](app, int(w), int(h), phase)
    if facing < 0:
        img, mask = img[:, ::-1], mask[:, ::-1]
    return np.ascontiguousarray(img), np.ascontiguousarray(mask)
