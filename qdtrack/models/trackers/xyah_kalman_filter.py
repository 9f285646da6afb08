"""DeepSORT's Kalman filter on boxes, batched over tracks.

State ``[cx, cy, a, h, vcx, vcy, va, vh]``: centre, aspect ratio
``a = w / h``, height and their velocities; measurement ``[cx, cy, a, h]``.
Noise scales with the box height (Wojke et al., 2017: position weight 1/20,
velocity weight 1/160), so a Mahalanobis distance means the same for small
and large boxes and can be gated by a chi-square quantile. SORT's filter
(:mod:`.box_kalman_filter`) has fixed noise on ``[cx, cy, area, ratio]``;
its Mahalanobis distances grow with the box area and cannot be gated by one
threshold, hence this second filter. Equal to mmdet's per-track
``KalmanFilter`` (tested), computed for all tracks at once.
"""
from typing import Tuple

import numpy as np

#: 0.95 quantile of the chi-square distribution with N degrees of freedom.
CHI2INV95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877, 5: 11.070,
             6: 12.592, 7: 14.067, 8: 15.507, 9: 16.919}


def bbox_xyxy_to_xyah(bboxes: np.ndarray) -> np.ndarray:
    """``[x1, y1, x2, y2]`` (N, 4) -> ``[cx, cy, w / h, h]`` (N, 4)."""
    b = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    return np.stack([b[:, 0] + w / 2, b[:, 1] + h / 2, w / h, h], axis=1)


def bbox_xyah_to_xyxy(xyah: np.ndarray) -> np.ndarray:
    """``[cx, cy, a, h, ...]`` (N, >=4) -> ``[x1, y1, x2, y2]`` (N, 4)."""
    x = np.asarray(xyah, dtype=np.float64)
    w = x[:, 2] * x[:, 3]
    return np.stack([x[:, 0] - w / 2, x[:, 1] - x[:, 3] / 2,
                     x[:, 0] + w / 2, x[:, 1] + x[:, 3] / 2], axis=1)


class XYAHKalmanFilter:
    """Constant-velocity Kalman filter of DeepSORT, batched over tracks.

    Args:
        std_weight_position (float): Position noise per pixel of height.
            Defaults to 1/20.
        std_weight_velocity (float): Velocity noise per pixel of height.
            Defaults to 1/160.
    """

    def __init__(self, std_weight_position: float = 1. / 20,
                 std_weight_velocity: float = 1. / 160) -> None:
        self.wp = std_weight_position
        self.wv = std_weight_velocity
        self.motion_mat = np.eye(8)
        self.motion_mat[np.arange(4), np.arange(4) + 4] = 1.0

    def initiate(self, meas: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Tracks from first measurements (T, 4): means (T, 8), covs."""
        meas = np.asarray(meas, dtype=np.float64).reshape(-1, 4)
        h = meas[:, 3]
        mean = np.concatenate([meas, np.zeros_like(meas)], axis=1)
        std = np.stack([2 * self.wp * h, 2 * self.wp * h,
                        np.full_like(h, 1e-2), 2 * self.wp * h,
                        10 * self.wv * h, 10 * self.wv * h,
                        np.full_like(h, 1e-5), 10 * self.wv * h], axis=1)
        return mean, _diag(std**2)

    def predict(self, mean: np.ndarray,
                cov: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """One step ahead: means (T, 8), covariances (T, 8, 8)."""
        h = mean[:, 3]
        std = np.stack([self.wp * h, self.wp * h, np.full_like(h, 1e-2),
                        self.wp * h, self.wv * h, self.wv * h,
                        np.full_like(h, 1e-5), self.wv * h], axis=1)
        f = self.motion_mat
        mean = mean @ f.T
        cov = f @ cov @ f.T + _diag(std**2)
        return mean, cov

    def project(self, mean: np.ndarray,
                cov: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Measurement-space means (T, 4) and covariances (T, 4, 4)."""
        h = mean[:, 3]
        std = np.stack([self.wp * h, self.wp * h, np.full_like(h, 1e-1),
                        self.wp * h], axis=1)
        return mean[:, :4], cov[:, :4, :4] + _diag(std**2)

    def update(self, mean: np.ndarray, cov: np.ndarray,
               meas: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Correct track i with measurement row i (T, 4)."""
        proj_mean, proj_cov = self.project(mean, cov)
        # K = P H^T S^-1; S symmetric: K^T = S^-1 (P H^T)^T
        gain = np.linalg.solve(proj_cov,
                               cov[:, :, :4].transpose(0, 2, 1))
        gain = gain.transpose(0, 2, 1)
        innov = np.asarray(meas, dtype=np.float64) - proj_mean
        mean = mean + (gain @ innov[:, :, None])[:, :, 0]
        cov = cov - gain @ proj_cov @ gain.transpose(0, 2, 1)
        return mean, cov

    def gating_distance(self, mean: np.ndarray, cov: np.ndarray,
                        meas: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance of every track to every measurement.

        Args:
            mean (np.ndarray): (T, 8) means.
            cov (np.ndarray): (T, 8, 8) covariances.
            meas (np.ndarray): (N, 4) measurements ``[cx, cy, a, h]``.

        Returns:
            np.ndarray: (T, N) distances (chi-square with 4 degrees of
            freedom for a correct model: gate at ``CHI2INV95[4]``).
        """
        meas = np.asarray(meas, dtype=np.float64).reshape(-1, 4)
        if len(mean) == 0 or len(meas) == 0:
            return np.zeros((len(mean), len(meas)))
        proj_mean, proj_cov = self.project(mean, cov)
        chol = np.linalg.cholesky(proj_cov)
        diff = meas[None] - proj_mean[:, None]  # (T, N, 4)
        z = np.linalg.solve(chol, diff.transpose(0, 2, 1))  # (T, 4, N)
        return (z**2).sum(axis=1)


def _diag(values: np.ndarray) -> np.ndarray:
    """(T, K) -> (T, K, K) diagonal matrices."""
    out = np.zeros(values.shape + values.shape[-1:])
    idx = np.arange(values.shape[-1])
    out[:, idx, idx] = values
    return out
