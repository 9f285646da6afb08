"""Keep instance ids and masks in step with the boxes of any transform.

Many mmdet transforms filter boxes, labels and ignore flags but not
``gt_instances_ids`` (``RandomAffine``, ``MixUp``, ``Resize`` with
clipping, ...), and ``RandomAffine`` refuses masks. :class:`KeepInstanceIds`
runs such a transform with the row index of every instance written into
``gt_bboxes_labels`` -- the one field every mmdet transform filters with the
boxes -- and reads back which rows survived, so ids (and anything else per
instance) follow exactly. Masks are taken out before the transform and
warped afterwards with the homography it recorded (``homography_matrix``);
where masks exist, the boxes are recomputed from the warped masks and
instances whose mask left the image are dropped.
"""
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.structures.bbox import HorizontalBoxes, autocast_box_type
from mmdet.structures.mask import BitmapMasks

from qdtrack.registry import TRANSFORMS


def warp_masks(masks: np.ndarray, matrix: np.ndarray,
               shape: tuple) -> np.ndarray:
    """Warp binary masks (N, H, W) with a 3x3 homography to ``shape``.

    ``matrix`` maps pixel-edge coordinates, as box homographies do (mask
    pixel ``i`` covers ``[i, i + 1)``); it is converted to OpenCV's
    pixel-centre convention, so warped masks agree with warped boxes.
    Nearest-neighbour sampling; pixels from outside the source are 0.

    Returns:
        np.ndarray: Masks (N, h, w) uint8, ``(h, w) = shape``.
    """
    h, w = int(shape[0]), int(shape[1])
    out = np.zeros((len(masks), h, w), dtype=np.uint8)
    matrix = np.asarray(matrix, dtype=np.float64)
    identity = np.allclose(matrix, np.eye(3))
    half = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    matrix = np.linalg.inv(half) @ matrix @ half
    for i, mask in enumerate(masks):
        if identity:  # a pad or a no-op: copy the overlapping part
            sh, sw = min(h, mask.shape[0]), min(w, mask.shape[1])
            out[i, :sh, :sw] = mask[:sh, :sw]
        else:
            out[i] = cv2.warpPerspective(
                mask.astype(np.uint8), matrix, (w, h),
                flags=cv2.INTER_NEAREST, borderValue=0)
    return out


def boxes_from_masks(results: dict) -> None:
    """Replace boxes by the tight boxes of ``gt_masks``; drop empty masks.

    Boxes follow mmdet's convention for masks (``x2`` = last column + 1).
    Every per-instance field is filtered with the boxes.
    """
    masks = results['gt_masks']
    keep = masks.areas > 0
    results['gt_bboxes'] = masks.get_bboxes(HorizontalBoxes)
    select_instances(results, np.flatnonzero(keep))


#: Fields that hold one entry per instance.
INSTANCE_KEYS = ('gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags',
                 'gt_instances_ids', 'gt_masks')


def select_instances(results: dict, rows: np.ndarray) -> None:
    """Keep the instances ``rows`` (indices, in this order) of every field."""
    rows = np.asarray(rows, dtype=np.int64)
    for key in INSTANCE_KEYS:
        if results.get(key) is not None:
            results[key] = results[key][rows]


@TRANSFORMS.register_module()
class KeepInstanceIds(BaseTransform):
    """Run one transform and keep ids, masks and boxes in step.

    The wrapped transform must filter ``gt_bboxes_labels`` with the boxes
    (all of mmdet's do) and must not add instances. A transform that moves
    pixels must record its homography in ``homography_matrix`` (mmdet's
    ``Resize``, ``RandomResize``, ``RandomFlip``, ``RandomCrop`` and our
    :class:`RandomAffineWithHomography` do; ``Pad`` only grows the canvas
    at the bottom and right, which needs none).

    Args:
        transform (dict | callable): The transform (config or object).
    """

    keeps_instance_ids = True

    def __init__(self, transform) -> None:
        self.transform_ = (TRANSFORMS.build(transform)
                           if isinstance(transform, dict) else transform)

    @autocast_box_type()
    def transform(self, results: dict) -> Optional[dict]:
        """Apply the wrapped transform (None if it returns None)."""
        num = len(results['gt_bboxes'])
        labels = results['gt_bboxes_labels']
        ids = results.pop('gt_instances_ids')
        masks = results.pop('gt_masks', None)
        before = np.asarray(results.get('homography_matrix', np.eye(3)),
                            dtype=np.float64)
        results['gt_bboxes_labels'] = np.arange(num, dtype=np.int64)
        out = self.transform_(results)
        if out is None:
            return None
        rows = np.asarray(out['gt_bboxes_labels'], dtype=np.int64)
        if len(rows) != len(out['gt_bboxes']) or (rows >= num).any():
            raise RuntimeError(
                f'{type(self.transform_).__name__} added instances or did '
                'not filter gt_bboxes_labels with gt_bboxes: ids would be '
                'lost; it cannot be wrapped by KeepInstanceIds')
        out['gt_bboxes_labels'] = labels[rows]
        out['gt_instances_ids'] = ids[rows]
        if masks is not None:
            after = np.asarray(out.get('homography_matrix', np.eye(3)),
                               dtype=np.float64)
            step = after @ np.linalg.inv(before)
            shape = out['img'].shape[:2]
            warped = warp_masks(masks.masks[rows], step, shape)
            out['gt_masks'] = BitmapMasks(warped, *shape)
            boxes_from_masks(out)
        return out

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.transform_!r})'
