"""Pinhole camera looking over a flat ground plane (toy benchmark).

World coordinates are metres: ``x`` to the right, ``z`` the depth in front
of the camera, the ground at height 0 and the camera at ``cam_height``.
An object of size ``(size_w, size_h)`` standing at ``(x, z)`` projects to a
box whose bottom lies on the ground line of depth ``z``, so that objects
that approach the camera move down in the image and grow.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Nearest depth (m) at which the ground is seen at the bottom image row.
NEAR_DEPTH = 3.5
#: Farthest depth (m) objects walk to.
FAR_DEPTH = 16.0
#: Focal length in units of the image height.
FOCAL_RATIO = 0.95


@dataclass(frozen=True)
class Camera:
    """Static pinhole camera (camera shake is applied in image space).

    Attributes:
        width (int): Image width in pixels.
        height (int): Image height in pixels.
        focal (float): Focal length in pixels.
        horizon (float): Image row of the horizon.
        cam_height (float): Height of the camera above the ground (m).
    """

    width: int
    height: int
    focal: float
    horizon: float
    cam_height: float

    @classmethod
    def create(cls, width: int, height: int,
               horizon_ratio: float = 0.6) -> Camera:
        """Build a camera whose bottom image row sees ``NEAR_DEPTH``.

        Args:
            width (int): Image width in pixels.
            height (int): Image height in pixels.
            horizon_ratio (float): Horizon row as a fraction of the height.

        Returns:
            Camera: The camera.
        """
        focal = FOCAL_RATIO * height
        horizon = horizon_ratio * height
        cam_height = (height - horizon) * NEAR_DEPTH / focal
        return cls(int(width), int(height), focal, horizon, cam_height)

    def ground_row(self, z: float) -> float:
        """Image row of the ground line at depth ``z``."""
        return self.horizon + self.focal * self.cam_height / z

    def half_view(self, z: float) -> float:
        """Half of the ground width (m) seen at depth ``z``."""
        return 0.5 * self.width * z / self.focal

    def project(self, x: float, z: float, size_w: float,
                size_h: float) -> np.ndarray:
        """Project an upright object to an image box.

        Args:
            x (float): Lateral position of the object's centre (m).
            z (float): Depth of the object (m).
            size_w (float): Object width (m).
            size_h (float): Object height (m).

        Returns:
            np.ndarray: Box ``(x0, y0, w, h)`` in pixels, shape (4,).
        """
        scale = self.focal / z
        w = size_w * scale
        h = size_h * scale
        cx = 0.5 * self.width + x * scale
        bottom = self.ground_row(z)
        return np.array([cx - 0.5 * w, bottom - h, w, h])
