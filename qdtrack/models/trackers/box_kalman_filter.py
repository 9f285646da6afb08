"""Constant-velocity Kalman filter on boxes, batched over tracks (SORT).

The state of a box is ``[cx, cy, s, r, vcx, vcy, vs]``: centre, area
``s = w * h`` and aspect ratio ``r = w / h``, plus the velocities of centre and
area. The aspect ratio is taken as constant. The measurement is
``[cx, cy, s, r]``. Matrices and noise levels are those of SORT (Bewley et
al., 2016, public code built on filterpy, whose matrices start as identity).
"""
from typing import Optional, Tuple

import numpy as np

STATE_DIM = 7
MEAS_DIM = 4


def bbox_xyxy_to_xysr(bboxes: np.ndarray) -> np.ndarray:
    """Convert boxes ``[x1, y1, x2, y2]`` to ``[cx, cy, s, r]``.

    Args:
        bboxes (np.ndarray): (N, 4) boxes with positive width and height.

    Returns:
        np.ndarray: (N, 4) float64 ``[cx, cy, w * h, w / h]``.
    """
    bboxes = np.asarray(bboxes, dtype=np.float64)
    if bboxes.ndim != 2 or bboxes.shape[1] != 4:
        raise ValueError(f'bboxes must have shape (N, 4), got {bboxes.shape}')
    w = bboxes[:, 2] - bboxes[:, 0]
    h = bboxes[:, 3] - bboxes[:, 1]
    if np.any(w <= 0) or np.any(h <= 0):
        raise ValueError('boxes need a positive width and height')
    return np.stack([bboxes[:, 0] + w / 2, bboxes[:, 1] + h / 2, w * h, w / h],
                    axis=1)


def bbox_xysr_to_xyxy(xysr: np.ndarray) -> np.ndarray:
    """Convert ``[cx, cy, s, r]`` to boxes ``[x1, y1, x2, y2]``.

    A non-positive area or aspect ratio gives NaN coordinates (as in SORT),
    which callers use to drop diverged tracks.

    Args:
        xysr (np.ndarray): (N, 4) or (N, >=4) states; the first 4 columns are
            used.

    Returns:
        np.ndarray: (N, 4) float64 boxes.
    """
    xysr = np.asarray(xysr, dtype=np.float64)
    if xysr.ndim != 2 or xysr.shape[1] < 4:
        raise ValueError(f'xysr must have shape (N, >=4), got {xysr.shape}')
    cx, cy, s, r = xysr[:, 0], xysr[:, 1], xysr[:, 2], xysr[:, 3]
    with np.errstate(invalid='ignore', divide='ignore'):
        sr = s * r
        w = np.sqrt(np.where(sr > 0, sr, np.nan))
        h = s / w
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


class BoxKalmanFilter:
    """SORT's Kalman filter, vectorised over any number of tracks.

    All methods take and return stacked states: means (T, 7) and covariances
    (T, 7, 7); inputs are never modified. Matrices (attributes, changeable
    after construction):

    - ``motion_mat`` F (7, 7): constant velocity on ``cx, cy, s``.
    - ``observation_mat`` H (4, 7): observes ``[cx, cy, s, r]``.
    - ``measurement_cov`` R = diag(1, 1, 10, 10).
    - ``process_cov`` Q = diag(1, 1, 1, 1, 0.01, 0.01, 0.0001).
    - ``initial_cov`` P0 = diag(10, 10, 10, 10, 1e4, 1e4, 1e4): high
      uncertainty of the unobserved initial velocities.
    """

    def __init__(self) -> None:
        self.motion_mat = np.eye(STATE_DIM)
        self.motion_mat[0, 4] = self.motion_mat[1, 5] = 1.0
        self.motion_mat[2, 6] = 1.0
        self.observation_mat = np.eye(MEAS_DIM, STATE_DIM)
        self.measurement_cov = np.diag([1.0, 1.0, 10.0, 10.0])
        self.process_cov = np.diag([1.0, 1.0, 1.0, 1.0, 1e-2, 1e-2, 1e-4])
        self.initial_cov = np.diag([10.0] * 4 + [1e4] * 3)

    @staticmethod
    def _check_state(mean: np.ndarray, cov: np.ndarray) -> None:
        if mean.ndim != 2 or mean.shape[1] != STATE_DIM:
            raise ValueError(
                f'mean must have shape (T, {STATE_DIM}), got {mean.shape}')
        if cov.shape != (mean.shape[0], STATE_DIM, STATE_DIM):
            raise ValueError(f'cov must have shape ({mean.shape[0]}, '
                             f'{STATE_DIM}, {STATE_DIM}), got {cov.shape}')

    @staticmethod
    def _check_meas(measurements: np.ndarray,
                    num: Optional[int] = None) -> None:
        if measurements.ndim != 2 or measurements.shape[1] != MEAS_DIM:
            raise ValueError(f'measurements must have shape (T, {MEAS_DIM}), '
                             f'got {measurements.shape}')
        if num is not None and measurements.shape[0] != num:
            raise ValueError(f'got {measurements.shape[0]} measurements for '
                             f'{num} tracks')
        if not np.all(np.isfinite(measurements)):
            raise ValueError('measurements must be finite')

    def initiate(self,
                 measurements: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Start tracks from their first measurement (zero velocity).

        Args:
            measurements (np.ndarray): (T, 4) ``[cx, cy, s, r]``.

        Returns:
            tuple[np.ndarray, np.ndarray]: means (T, 7), covariances
            (T, 7, 7).
        """
        measurements = np.asarray(measurements, dtype=np.float64)
        self._check_meas(measurements)
        num = measurements.shape[0]
        mean = np.zeros((num, STATE_DIM))
        mean[:, :MEAS_DIM] = measurements
        cov = np.broadcast_to(self.initial_cov,
                              (num, STATE_DIM, STATE_DIM)).copy()
        return mean, cov

    def predict(self, mean: np.ndarray,
                cov: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Propagate all tracks one frame ahead.

        As in SORT, an area velocity that would make the area non-positive
        (``s + vs <= 0``) is set to 0 before the step.

        Args:
            mean (np.ndarray): (T, 7) state means.
            cov (np.ndarray): (T, 7, 7) state covariances.

        Returns:
            tuple[np.ndarray, np.ndarray]: predicted means (T, 7) and
            covariances (T, 7, 7).
        """
        mean = np.array(mean, dtype=np.float64)
        cov = np.asarray(cov, dtype=np.float64)
        self._check_state(mean, cov)
        mean[mean[:, 2] + mean[:, 6] <= 0, 6] = 0.0
        mat = self.motion_mat
        mean = mean @ mat.T
        cov = np.einsum('ij,tjk,lk->til', mat, cov, mat) + self.process_cov
        return mean, cov

    def update(self, mean: np.ndarray, cov: np.ndarray,
               measurements: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Correct each track with its own measurement.

        The covariance uses the Joseph form
        ``(I - K H) P (I - K H)^T + K R K^T`` (as filterpy does), which keeps
        it symmetric positive definite.

        Args:
            mean (np.ndarray): (T, 7) predicted means.
            cov (np.ndarray): (T, 7, 7) predicted covariances.
            measurements (np.ndarray): (T, 4) ``[cx, cy, s, r]``, row i for
                track i.

        Returns:
            tuple[np.ndarray, np.ndarray]: corrected means (T, 7) and
            covariances (T, 7, 7).
        """
        mean = np.asarray(mean, dtype=np.float64)
        cov = np.asarray(cov, dtype=np.float64)
        measurements = np.asarray(measurements, dtype=np.float64)
        self._check_state(mean, cov)
        self._check_meas(measurements, mean.shape[0])
        obs = self.observation_mat
        # P H^T (T, 7, 4) and innovation covariance S = H P H^T + R (T, 4, 4)
        cov_obs = np.einsum('tij,kj->tik', cov, obs)
        innov_cov = np.einsum('ij,tjk->tik', obs, cov_obs)
        innov_cov = innov_cov + self.measurement_cov
        # K = P H^T S^-1, i.e. K^T = S^-1 (P H^T)^T since S is symmetric
        gain = np.linalg.solve(innov_cov,
                               cov_obs.transpose(0, 2, 1)).transpose(0, 2, 1)
        innov = measurements - mean @ obs.T
        new_mean = mean + np.einsum('tij,tj->ti', gain, innov)
        i_kh = np.eye(STATE_DIM) - np.einsum('tij,jk->tik', gain, obs)
        new_cov = np.einsum('tij,tjk,tlk->til', i_kh, cov, i_kh)
        new_cov += np.einsum('tij,jk,tlk->til', gain, self.measurement_cov,
                             gain)
        return new_mean, new_cov
