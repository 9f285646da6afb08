"""Identity appearances of the toy benchmark: colours and textures.

Every identity wears a two-colour pattern (stripes, checker, dots, ...) at
its own frequency, plus accent, skin and hair colours. Some identities are
near look-alikes of another one: same pattern, slightly shifted colours.
Colours are BGR tuples (OpenCV order).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

PATTERNS = ('hstripes', 'vstripes', 'checker', 'dots', 'diagonal', 'band')

_SKINS = ((140, 170, 225), (105, 140, 200), (70, 100, 160), (45, 70, 115),
          (160, 190, 235))
_HAIRS = ((20, 20, 25), (30, 45, 80), (40, 60, 110), (150, 170, 190),
          (70, 70, 75))
_TROUSERS = ((90, 40, 30), (30, 30, 30), (110, 110, 110), (140, 170, 190),
             (40, 55, 80), (60, 80, 50))

Colour = tuple


@dataclass(frozen=True)
class Appearance:
    """What an identity looks like.

    Attributes:
        primary (tuple[int]): Main BGR colour of the textured part.
        secondary (tuple[int]): Second BGR colour of the pattern.
        accent (tuple[int]): Trousers / bicycle frame / car trim colour.
        skin (tuple[int]): Skin colour of heads.
        hair (tuple[int]): Hair or helmet colour.
        pattern (str): One of :data:`PATTERNS`.
        frequency (float): Pattern cycles per height of the textured part.
    """

    primary: Colour
    secondary: Colour
    accent: Colour
    skin: Colour
    hair: Colour
    pattern: str
    frequency: float


def _hsv_to_bgr(h: float, s: float, v: float) -> Colour:
    hsv = np.array([[[h % 180, s, v]]], dtype=np.float32)
    hsv = np.clip(np.round(hsv), 0, [179, 255, 255]).astype(np.uint8)
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def _bgr_to_hsv(colour: Colour) -> np.ndarray:
    bgr = np.array([[colour]], dtype=np.uint8)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)[0, 0].astype(np.float64)


def _pick(rng: np.random.Generator, options: tuple) -> Colour:
    return options[int(rng.integers(len(options)))]


def sample_appearance(rng: np.random.Generator) -> Appearance:
    """Draw a new, random identity appearance.

    The two pattern colours differ in hue by at least 45 (of 180) or in
    brightness by at least 90, so that the pattern is visible.

    Args:
        rng (np.random.Generator): Random generator.

    Returns:
        Appearance: The appearance.
    """
    hue = rng.uniform(0, 180)
    primary = _hsv_to_bgr(hue, rng.uniform(120, 255), rng.uniform(110, 250))
    if rng.random() < 0.3:
        # neutral second colour: near white or near black
        value = rng.uniform(225, 250) if rng.random() < 0.5 else \
            rng.uniform(20, 45)
        secondary = _hsv_to_bgr(0, 0, value)
    else:
        hue2 = hue + rng.choice([-1, 1]) * rng.uniform(45, 90)
        secondary = _hsv_to_bgr(hue2, rng.uniform(120, 255),
                                rng.uniform(110, 250))
    return Appearance(
        primary=primary,
        secondary=secondary,
        accent=_pick(rng, _TROUSERS),
        skin=_pick(rng, _SKINS),
        hair=_pick(rng, _HAIRS),
        pattern=PATTERNS[int(rng.integers(len(PATTERNS)))],
        frequency=float(rng.uniform(1.5, 4.0)))


def make_lookalike(rng: np.random.Generator,
                   source: Appearance) -> Appearance:
    """A near copy of ``source``: same pattern, slightly different colours.

    The primary hue moves by 5-9 (of 180) and the brightness by up to 20;
    the pattern frequency changes by up to 15 %.

    Args:
        rng (np.random.Generator): Random generator.
        source (Appearance): Appearance to imitate.

    Returns:
        Appearance: The look-alike appearance.
    """
    h, s, v = _bgr_to_hsv(source.primary)
    dh = rng.choice([-1, 1]) * rng.uniform(5, 9)
    primary = _hsv_to_bgr(h + dh, s, v + rng.uniform(-20, 20))
    h2, s2, v2 = _bgr_to_hsv(source.secondary)
    secondary = _hsv_to_bgr(h2 + dh, s2, v2 + rng.uniform(-10, 10))
    return replace(source, primary=primary, secondary=secondary,
                   frequency=float(source.frequency *
                                   rng.uniform(0.85, 1.15)))


def statue_appearance(rng: np.random.Generator) -> Appearance:
    """Grey stone look of a person-shaped statue (a static distractor)."""
    g = float(rng.uniform(115, 160))

    def grey(d: float) -> Colour:
        return (int(g + d),) * 3

    return Appearance(primary=grey(0), secondary=grey(-22), accent=grey(-14),
                      skin=grey(12), hair=grey(-30), pattern='band',
                      frequency=1.0)


def pattern_mask(pattern: str, frequency: float, height: int, width: int,
                 unit: float) -> np.ndarray:
    """Where the secondary colour of a pattern goes.

    Args:
        pattern (str): One of :data:`PATTERNS`.
        frequency (float): Cycles per ``unit`` pixels.
        height (int): Height of the canvas in pixels.
        width (int): Width of the canvas in pixels.
        unit (float): Pixel size of the textured part (its height).

    Returns:
        np.ndarray: Boolean mask of shape (height, width).
    """
    if pattern not in PATTERNS:
        raise ValueError(f'unknown pattern {pattern!r}; expected one of '
                         f'{PATTERNS}')
    unit = max(float(unit), 1.0)
    v = np.arange(height, dtype=np.float32)[:, None] / unit
    u = np.arange(width, dtype=np.float32)[None, :] / unit
    f2 = 2.0 * frequency
    if pattern == 'hstripes':
        m = np.floor(v * f2) % 2 == 1
    elif pattern == 'vstripes':
        m = np.floor(u * f2) % 2 == 1
    elif pattern == 'checker':
        m = (np.floor(u * f2) + np.floor(v * f2)) % 2 == 1
    elif pattern == 'diagonal':
        m = np.floor((u + v) * f2) % 2 == 1
    elif pattern == 'dots':
        du = (u * frequency) % 1.0 - 0.5
        dv = (v * frequency) % 1.0 - 0.5
        m = du * du + dv * dv < 0.09
    else:  # band: a horizontal band across the middle of the part
        rel = v * unit / max(height, 1)
        m = np.abs(rel - 0.5) < 0.17
    return np.broadcast_to(m, (height, width))


def texture(app: Appearance, height: int, width: int,
            unit: float) -> np.ndarray:
    """Paint the two-colour pattern of ``app`` on a canvas.

    Args:
        app (Appearance): The identity's appearance.
        height (int): Canvas height in pixels.
        width (int): Canvas width in pixels.
        unit (float): Pixel size of the textured part (its height).

    Returns:
        np.ndarray: BGR image of shape (height, width, 3), dtype uint8.
    """
    m = pattern_mask(app.pattern, app.frequency, height, width, unit)
    return np.where(m[..., None], np.array(app.secondary, np.uint8),
                    np.array(app.primary, np.uint8))
