"""MOTChallenge "public detection" protocol: which boxes may start tracks.

Under the public protocol of MOT16/17/20 a tracker may not invent objects:
every trajectory must start from a box of the sequence's ``det/det.txt``.
Trackers follow it in different ways:

- Tracktor (Bergmann et al., ICCV 2019) does not filter detections of its
  own: it takes the public boxes themselves as its detections, refines them
  with its regression head and starts new tracks from them.
- CenterTrack (Zhou et al., ECCV 2020, ``src/lib/utils/tracker.py``) lets
  each public box start at most one track: the unmatched detection whose
  centre is nearest to the public box's centre, if their squared centre
  distance is below the detection's area.
- Here (:func:`public_init_mask`, used by ``QDTrack`` with
  ``public_det_iou_thr``): the model's own detections are tracked; a
  detection that is not matched to an existing track may start a new one
  only when its IoU with at least one public box of the frame is
  ``>= iou_thr`` (0.5 by default, the MOTChallenge matching threshold).
  Matched detections continue their tracks unrestricted, and one public box
  may license several detections. This IoU rule is a filter on track
  births, not a regression of the public boxes: numbers obtained with it
  compare with trackers that filter their own detections (e.g. CenterTrack's
  centre rule), not with Tracktor-style refinement.
"""
from typing import Optional, Union

import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps
from torch import Tensor


def public_init_mask(bboxes: Tensor,
                     public_dets: Optional[Union[np.ndarray, Tensor]],
                     iou_thr: float = 0.5,
                     score_thr: Optional[float] = None) -> Tensor:
    """Detections that may start a new track under the public protocol.

    Args:
        bboxes (Tensor): (N, 4) detections ``x1, y1, x2, y2`` of one frame,
            in the coordinates of the public boxes (the original image).
            (N, 5) is accepted; the 5th column (score) is ignored.
        public_dets (np.ndarray | Tensor | None): (K, 4) or (K, 5) public
            detections ``x1, y1, x2, y2[, score]`` of the same frame, e.g.
            the ``public_detections`` metainfo that
            :class:`qdtrack.datasets.CocoVideoDataset` attaches. None means
            "no public protocol": every detection may start a track. An
            empty array means no detection may start one.
        iou_thr (float): the least IoU with a public box, in [0, 1].
            Defaults to 0.5.
        score_thr (float, optional): public boxes scoring below are ignored
            (needs a 5th column). Defaults to None (use all).

    Returns:
        Tensor: (N,) bool on the device of ``bboxes``; True where the
        detection's IoU with some public box is ``>= iou_thr``.

    Raises:
        ValueError: wrong shapes, non-finite values, ``iou_thr`` outside
            [0, 1], or ``score_thr`` without a score column.
    """
    if not isinstance(bboxes, Tensor):
        raise TypeError(f'bboxes must be a Tensor, got {type(bboxes)}')
    if bboxes.dim() != 2 or bboxes.size(1) not in (4, 5):
        raise ValueError('bboxes must have shape (N, 4) or (N, 5), got '
                         f'{tuple(bboxes.shape)}')
    if not 0.0 <= float(iou_thr) <= 1.0:
        raise ValueError(f'iou_thr must be in [0, 1], got {iou_thr!r}')
    num = bboxes.size(0)
    device = bboxes.device
    if public_dets is None:
        return torch.ones(num, dtype=torch.bool, device=device)

    public = torch.as_tensor(
        np.asarray(public_dets) if not isinstance(public_dets, Tensor) else
        public_dets, dtype=torch.float32).to(device)
    if public.numel() == 0:
        public = public.reshape(0, 4)
    if public.dim() != 2 or public.size(1) not in (4, 5):
        raise ValueError('public_dets must have shape (K, 4) or (K, 5), '
                         f'got {tuple(public.shape)}')
    if not torch.isfinite(public).all():
        raise ValueError('public_dets holds NaN or infinite values')
    if score_thr is not None:
        if public.size(1) != 5:
            raise ValueError('score_thr needs public_dets with a score '
                             'column, shape (K, 5)')
        public = public[public[:, 4] >= score_thr]
    if num == 0 or public.size(0) == 0:
        return torch.zeros(num, dtype=torch.bool, device=device)
    boxes = bboxes[:, :4].float()
    if not torch.isfinite(boxes).all():
        raise ValueError('bboxes holds NaN or infinite values')
    ious = bbox_overlaps(boxes, public[:, :4])  # (N, K)
    return (ious >= iou_thr).any(dim=1)
