"""MixUp with the extra image's instances kept as positives."""
import math
from typing import Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.structures.bbox import BaseBoxes, HorizontalBoxes, autocast_box_type
from mmdet.structures.mask import BitmapMasks

from qdtrack.registry import TRANSFORMS

from .instance_ids import boxes_from_masks, warp_masks


def _box_data(boxes):
    """The (N, 4) data of boxes given as an array or as mmdet boxes."""
    return boxes.tensor if isinstance(boxes, BaseBoxes) else boxes


def random_placement(src_shape: tuple, dst_shape: tuple,
                     ratio_range: Tuple[float, float], flip_ratio: float,
                     cover: bool = False) -> np.ndarray:
    """Random 3x3 matrix placing an extra image's pixels in a view.

    The extra image is scaled to fit the view (``cover``: to cover it),
    times a factor drawn from ``ratio_range``, flipped horizontally with
    probability ``flip_ratio`` and shifted by a random offset within the
    part that overhangs the view.

    Args:
        src_shape (tuple): ``(h, w)`` of the extra image.
        dst_shape (tuple): ``(h, w)`` of the view.
        ratio_range (tuple[float]): Range of the random scale factor.
        flip_ratio (float): Probability of a horizontal flip.
        cover (bool): Scale relative to covering, not fitting, the view.

    Returns:
        np.ndarray: (3, 3) float64, extra-image to view pixels.
    """
    (hs, ws), (hd, wd) = src_shape, dst_shape
    fit = (max if cover else min)(hd / hs, wd / ws)
    scale = fit * np.random.uniform(*ratio_range)
    sh, sw = hs * scale, ws * scale
    matrix = np.diag([scale, scale, 1.0])
    if np.random.uniform() < flip_ratio:
        matrix = np.array([[-1, 0, sw], [0, 1, 0], [0, 0, 1.]]) @ matrix
    x_off = round(np.random.uniform(0, max(sw - wd, 0)))
    y_off = round(np.random.uniform(0, max(sh - hd, 0)))
    if cover:  # rounding up must not uncover the last column or row
        x_off = min(x_off, math.floor(max(sw - wd, 0)))
        y_off = min(y_off, math.floor(max(sh - hd, 0)))
    return np.array([[1, 0, -x_off], [0, 1, -y_off], [0, 0, 1.]]) @ matrix


@TRANSFORMS.register_module()
class SharedImageMixUp(BaseTransform):
    """Blend an extra image into this view, keeping its instances and ids.

    The extra image (``results['mix_results'][0]``, loaded by the dataset;
    both views of a pair get the same one) is sampled as mmdet's ``MixUp``
    does: scaled to fit the view, times a random factor in ``ratio_range``,
    flipped horizontally with probability ``flip_ratio``, and cropped at a
    random offset (pad value outside it); the result is averaged 50/50 with
    the view. Unlike mmdet's, the extra image's instance ids and masks are
    carried (its instances are positives across the two views), the
    mapping is recorded (``homography_matrix @ mix_homography`` maps the
    extra image's pixels into the final view), and instances are clipped to
    the view (masks warped, boxes recomputed from them).

    Args:
        ratio_range (tuple[float]): Random scale factor range (MASA: 0.8,
            1.6).
        flip_ratio (float): Probability of flipping the extra image.
        pad_val (float): Value outside the extra image.
        prob (float): Probability of mixing at all.
    """

    keeps_instance_ids = True

    def __init__(self,
                 ratio_range: Tuple[float, float] = (0.8, 1.6),
                 flip_ratio: float = 0.5,
                 pad_val: float = 114.0,
                 prob: float = 1.0) -> None:
        self.ratio_range = ratio_range
        self.flip_ratio = flip_ratio
        self.pad_val = pad_val
        self.prob = prob

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        """Mix ``results['mix_results'][0]`` into the view."""
        mixes = results.get('mix_results')
        if not mixes or np.random.uniform() >= self.prob:
            return results
        if len(mixes) != 1:
            raise ValueError(f'SharedImageMixUp mixes one image, got '
                             f'{len(mixes)}')
        mix = mixes[0]
        img = results['img']
        shape = img.shape[:2]
        matrix = random_placement(mix['img'].shape[:2], shape,
                                  self.ratio_range, self.flip_ratio)
        warped = cv2.warpPerspective(
            mix['img'], matrix, (shape[1], shape[0]),
            flags=cv2.INTER_LINEAR, borderValue=(self.pad_val, ) * 3)
        results['img'] = (0.5 * img.astype(np.float32) +
                          0.5 * warped.astype(np.float32)).astype(np.uint8)
        # mix image -> this image's original pixels, so that
        # homography_matrix @ mix_homography maps it into the final view
        current = np.asarray(results.get('homography_matrix', np.eye(3)),
                             dtype=np.float64)
        results['mix_homography'] = (np.linalg.inv(current) @ matrix).astype(
            np.float32)

        ids = np.asarray(mix['gt_instances_ids'])
        clash = np.intersect1d(ids, results['gt_instances_ids'])
        if clash.size:
            raise ValueError(f'mixed-in instance ids {clash.tolist()} are '
                             'already used by the view')
        extra = dict(
            gt_bboxes=HorizontalBoxes(_box_data(mix['gt_bboxes'])),
            gt_bboxes_labels=np.asarray(mix['gt_bboxes_labels']),
            gt_ignore_flags=np.asarray(mix['gt_ignore_flags']),
            gt_instances_ids=ids)
        with_masks = results.get('gt_masks') is not None
        if with_masks:
            src = mix.get('gt_masks')
            src = (src.masks if src is not None else extra['gt_bboxes']
                   .create_masks(mix['img'].shape[:2]).masks)
            extra['gt_masks'] = BitmapMasks(
                warp_masks(src, matrix, shape), *shape)
            boxes_from_masks(extra)
        else:
            boxes = extra['gt_bboxes']
            boxes.project_(matrix)
            boxes.clip_(shape)
            keep = (boxes.widths > 0) & (boxes.heights > 0)
            for key in extra:
                extra[key] = extra[key][keep.numpy()]
        results['gt_bboxes'] = HorizontalBoxes.cat(
            [results['gt_bboxes'], extra['gt_bboxes']])
        for key in ('gt_bboxes_labels', 'gt_ignore_flags',
                    'gt_instances_ids'):
            results[key] = np.concatenate([results[key], extra[key]])
        if with_masks:
            results['gt_masks'] = BitmapMasks(
                np.concatenate([results['gt_masks'].masks,
                                extra['gt_masks'].masks]), *shape)
        return results
