"""Frame composition of the toy benchmark, with exact visibilities.

Layers are painted back to front (painter's order): reflections first (they
lie on the glass window of the background), then objects from the farthest
to the nearest. A label map records which layer owns every pixel, so the
visibility of a layer is exactly the fraction of its silhouette that is
seen: pixels outside the image or painted over by a nearer layer are
hidden.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scene import ObjectState
from .shapes import render_object

#: Opacity of the reflections painted on the glass window.
REFLECTION_ALPHA = 0.35

#: Layer kinds.
OBJECT, STATUE, REFLECTION = 'object', 'statue', 'reflection'


@dataclass
class Layer:
    """One sprite placed in the image.

    Attributes:
        kind (str): ``OBJECT``, ``STATUE`` or ``REFLECTION``.
        uid (int): Agent uid (the reflected agent for reflections, -1 for
            the statue).
        category (int): Toy category id of the agent.
        x0 (int): Left column of the sprite in the image.
        y0 (int): Top row of the sprite in the image.
        img (np.ndarray): BGR sprite, shape (h, w, 3), dtype uint8.
        mask (np.ndarray): Silhouette, shape (h, w), dtype bool.
        alpha (float): Opacity (1 for solid objects).
    """

    kind: str
    uid: int
    category: int
    x0: int
    y0: int
    img: np.ndarray
    mask: np.ndarray
    alpha: float = 1.0

    @property
    def box(self) -> tuple:
        """Amodal integer box ``(x0, y0, w, h)`` of the sprite."""
        h, w = self.mask.shape
        return self.x0, self.y0, w, h


@dataclass(frozen=True)
class LayerStats:
    """What is seen of one layer in the rendered frame.

    Attributes:
        layer (Layer): The layer.
        clipped (tuple[int, int, int, int]): Amodal box clipped to the
            image, ``(x, y, w, h)``; w or h is 0 when fully outside.
        total (int): Silhouette pixels (inside and outside the image).
        in_image (int): Silhouette pixels inside the image.
        visible (int): Silhouette pixels seen in the frame.
    """

    layer: Layer
    clipped: tuple
    total: int
    in_image: int
    visible: int

    @property
    def visibility(self) -> float:
        """Seen fraction of the silhouette, in [0, 1]."""
        return self.visible / self.total if self.total else 0.0

    @property
    def occlusion(self) -> float:
        """Fraction of the in-image silhouette hidden by nearer layers."""
        if not self.in_image:
            return 0.0
        return 1.0 - self.visible / self.in_image


def object_layer(state: ObjectState, shake: tuple, kind: str = OBJECT
                 ) -> Layer:
    """Render an object state into a layer at its (shaken) place.

    Args:
        state (ObjectState): Object state before camera shake.
        shake (tuple[int, int]): Camera shake ``(dx, dy)`` in pixels.
        kind (str): ``OBJECT`` or ``STATUE``.

    Returns:
        Layer: The layer; its box is the rounded projected box.
    """
    x0, y0, w, h = state.box
    ix0 = int(round(x0)) + int(shake[0])
    iy0 = int(round(y0)) + int(shake[1])
    iw = max(1, int(round(x0 + w)) - int(round(x0)))
    ih = max(1, int(round(y0 + h)) - int(round(y0)))
    img, mask = render_object(state.category, state.appearance, iw, ih,
                              state.phase, state.facing)
    return Layer(kind, state.uid, state.category, ix0, iy0, img, mask)


def reflection_layer(source: Layer, mirror_x: float, panel: tuple
                     ) -> Layer:
    """Mirror a layer about the column ``mirror_x``, cut to the panel.

    Args:
        source (Layer): The reflected object's layer.
        mirror_x (float): Column of the mirror line (image coordinates,
            already shaken).
        panel (tuple[int, int, int, int]): Glass window ``(x0, y0, x1,
            y1)`` (exclusive end, shaken) outside which nothing shows.

    Returns:
        Layer | None: The reflection, or None when it misses the panel.
    """
    sx, sy, w, h = source.box
    rx0 = int(round(2 * mirror_x - (sx + w)))
    px0, py0, px1, py1 = panel
    cx0, cy0 = max(rx0, px0), max(sy, py0)
    cx1, cy1 = min(rx0 + w, px1), min(sy + h, py1)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    img = source.img[:, ::-1][cy0 - sy:cy1 - sy, cx0 - rx0:cx1 - rx0]
    mask = source.mask[:, ::-1][cy0 - sy:cy1 - sy, cx0 - rx0:cx1 - rx0]
    if not mask.any():
        return None
    # tight box around the seen part of the reflection
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return Layer(REFLECTION, source.uid, source.category, cx0 + c0, cy0 + r0,
                 np.ascontiguousarray(img[r0:r1, c0:c1]),
                 np.ascontiguousarray(mask[r0:r1, c0:c1]),
                 alpha=REFLECTION_ALPHA)


def compose(canvas: np.ndarray, layers: list) -> list:
    """Paint layers in the given order and measure what stays visible.

    Args:
        canvas (np.ndarray): Background image, shape (H, W, 3), uint8;
            painted in place.
        layers (list[Layer]): Layers from back to front.

    Returns:
        list[LayerStats]: One entry per layer, in the same order.
    """
    H, W = canvas.shape[:2]
    owner = np.full((H, W), -1, np.int32)
    placed = []
    for k, layer in enumerate(layers):
        x0, y0, w, h = layer.box
        cx0, cy0 = max(x0, 0), max(y0, 0)
        cx1, cy1 = min(x0 + w, W), min(y0 + h, H)
        clipped = (cx0, cy0, max(cx1 - cx0, 0), max(cy1 - cy0, 0))
        in_image = 0
        if clipped[2] > 0 and clipped[3] > 0:
            m = layer.mask[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
            src = layer.img[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
            dst = canvas[cy0:cy1, cx0:cx1]
            if layer.alpha >= 1.0:
                dst[m] = src[m]
            else:
                mixed = (layer.alpha * src[m].astype(np.float32) +
                         (1.0 - layer.alpha) * dst[m].astype(np.float32))
                dst[m] = np.round(mixed).astype(np.uint8)
            owner[cy0:cy1, cx0:cx1][m] = k
            in_image = int(m.sum())
        else:
            clipped = (cx0, cy0, 0, 0)
        placed.append((clipped, int(layer.mask.sum()), in_image))
    seen = np.bincount(owner.ravel() + 1, minlength=len(layers) + 1)[1:]
    return [LayerStats(layer, clipped, total, in_image, int(seen[k]))
            for k, (layer, (clipped, total, in_image)) in enumerate(
                zip(layers, placed))]
