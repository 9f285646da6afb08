"""Centre-distance prior of the public MASA TAO tracker."""
import torch
from torch import Tensor


def centre_distance_prior(det_boxes: Tensor, memo_boxes: Tensor,
                          frame_gaps: Tensor, max_distance: float,
                          fps: float) -> Tensor:
    """Soft spatial gate of the public ``MasaTaoTracker`` (``max_distance``).

    With ``d`` the distance between box centres and ``g`` the number of
    frames since the memory item was last seen, the allowed distance grows
    exponentially with the gap, ``D = max_distance * exp(g / (fps / 6))``,
    and the weight is 1 within it and decays beyond it,
    ``exp(-(d - D) / (100 / fps))``. The tracker multiplies its
    similarities by this weight, so a far match falls below the match
    threshold (values from siyuanliii/masa,
    masa/models/tracker/masa_tao_tracker.py, ``compute_distance_mask``).

    Args:
        det_boxes (Tensor): Detections (N, 4), ``x1, y1, x2, y2``.
        memo_boxes (Tensor): Last boxes of the memory items (M, 4).
        frame_gaps (Tensor): Frames since each item was seen (M, ).
        max_distance (float): Distance (pixels of the boxes) allowed after
            a gap of 0 frames.
        fps (float): Frame rate of the video; sets the growth (``fps / 6``)
            and the decay length (``100 / fps``).

    Returns:
        Tensor: Weights (N, M) in (0, 1].
    """
    det_centres = (det_boxes[:, :2] + det_boxes[:, 2:4]) / 2
    memo_centres = (memo_boxes[:, :2] + memo_boxes[:, 2:4]) / 2
    # torch.cdist as in the public code: beyond 25 rows it computes
    # |a|^2 + |b|^2 - 2ab, whose rounding (~0.01 px at coordinates ~500)
    # decides near-threshold matches; the same op gives the same ids
    dist = torch.cdist(det_centres, memo_centres)
    allowed = max_distance * (frame_gaps.to(dist) / (fps / 6)).exp()
    excess = (dist - allowed[None]).clamp(min=0)
    return (-excess / (100 / fps)).exp()
