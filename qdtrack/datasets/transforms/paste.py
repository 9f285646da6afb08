"""Copy-paste: a view's instances on another image's surroundings."""
from typing import Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.structures.bbox import autocast_box_type

from qdtrack.registry import TRANSFORMS

from .instance_ids import select_instances
from .mix_up import random_placement


def _instance_pixels(results: dict, rows: np.ndarray) -> np.ndarray:
    """Union (H, W) bool of the masks of ``rows`` (boxes where no masks)."""
    h, w = results['img'].shape[:2]
    masks = results.get('gt_masks')
    if masks is not None:
        return masks.masks[rows].astype(bool).any(0)
    union = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in results['gt_bboxes'].tensor[rows].numpy():
        union[max(int(np.floor(y1)), 0):max(int(np.ceil(y2)), 0),
              max(int(np.floor(x1)), 0):max(int(np.ceil(x2)), 0)] = True
    return union


@TRANSFORMS.register_module()
class PasteOnOtherImage(BaseTransform):
    """Paste this view's instances onto another image (Simple Copy-Paste).

    Two views of one still image show every instance in the same
    surroundings, which RoI features see; a walking person's surroundings
    change from frame to frame. With probability ``prob``, each instance of
    the view is kept with probability ``keep_prob`` (at least one is), its
    pixels (mask, or box where there are no masks) stay where they are and
    everything else becomes the extra image (``results['mix_results'][0]``,
    loaded by the dataset; placed as :class:`SharedImageMixUp` places it:
    scaled to cover the view times a factor in ``ratio_range``, flipped,
    cropped at a random offset). Instances not kept are dropped from the
    view. Nothing moves, so boxes, masks and ``homography_matrix`` stay
    valid; the extra image's own instances are not labelled. Run it first,
    before the transforms that move pixels, in each view independently.

    With ``same_subset``, both views of a pair keep the same instances (each
    still pastes with probability ``prob``, onto its own placement of the
    extra image): the subset is drawn from ``results['pair_seed']``, which
    :class:`TwoViews` sets once per pair. Proposals that tile the image
    need it: a small independent subset per view leaves the two views few
    instances in common.

    Args:
        prob (float): Probability of pasting at all.
        keep_prob (float): Probability of keeping each instance.
        ratio_range (tuple[float]): Random scale of the extra image relative
            to the smallest scale that covers the view's shorter side.
        flip_ratio (float): Probability of flipping the extra image.
        same_subset (bool): Draw the kept subset once per pair (see above).
        max_area (float, optional): Only instances whose box covers at most
            this fraction of the view can be kept (when none does, all
            can); larger ones leave a pasted view. Proposals that tile the
            image with large background boxes need it: their union would
            keep most of the surroundings.
    """

    keeps_instance_ids = True

    def __init__(self,
                 prob: float = 0.5,
                 keep_prob: float = 1.0,
                 ratio_range: Tuple[float, float] = (1.0, 1.6),
                 flip_ratio: float = 0.5,
                 same_subset: bool = False,
                 max_area: Optional[float] = None) -> None:
        for name, p in (('prob', prob), ('keep_prob', keep_prob)):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f'{name} is a probability, got {p}')
        if max_area is not None and not 0.0 < max_area <= 1.0:
            raise ValueError(
                f'max_area is a fraction of the view in (0, 1], got '
                f'{max_area}')
        self.prob = prob
        self.keep_prob = keep_prob
        self.ratio_range = ratio_range
        self.flip_ratio = flip_ratio
        self.same_subset = same_subset
        self.max_area = max_area

    @property
    def uses_pair_seed(self) -> bool:
        """Whether :class:`TwoViews` must set ``results['pair_seed']``."""
        return self.same_subset

    def _candidates(self, results: dict) -> np.ndarray:
        """Rows (C, ) of the instances that may be kept, C >= 1."""
        num = len(results['gt_bboxes'])
        if self.max_area is None:
            return np.arange(num)
        h, w = results['img'].shape[:2]
        areas = results['gt_bboxes'].areas.numpy()
        rows = np.flatnonzero(areas <= self.max_area * h * w)
        return rows if rows.size else np.arange(num)

    def _subset(self, results: dict, num: int) -> np.ndarray:
        """Rows (K, ) of the kept instances, K >= 1."""
        candidates = self._candidates(results)
        if self.same_subset:
            if 'pair_seed' not in results:
                raise KeyError(
                    'PasteOnOtherImage(same_subset=True) needs '
                    "results['pair_seed']: run it inside TwoViews")
            rng = np.random.default_rng(results['pair_seed'])
            draw, pick = rng.uniform(size=num), rng.integers(num)
        else:
            draw = np.random.uniform(size=num)
            pick = None
        # draws for every instance, so that a pair's subset does not depend
        # on how many are candidates
        rows = np.flatnonzero(draw[candidates] < self.keep_prob)
        if not rows.size:
            rows = np.array([np.random.randint(len(candidates))
                             if pick is None else pick % len(candidates)])
        return candidates[rows]

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        """Paste a random subset of the view's instances onto the extra
        image; unchanged without one, without instances, or by chance."""
        mixes = results.get('mix_results')
        num = len(results['gt_bboxes'])
        if not mixes or not num or np.random.uniform() >= self.prob:
            return results
        rows = self._subset(results, num)
        img = results['img']
        shape = img.shape[:2]
        extra = mixes[0]['img']
        matrix = random_placement(extra.shape[:2], shape, self.ratio_range,
                                  self.flip_ratio, cover=True)
        # the placement covers the view in box coordinates, but the centres
        # of its edge pixels can map up to a pixel beyond the extra image
        # (flipped or shrunk): repeat its border there, never a pad value
        background = cv2.warpPerspective(
            extra, matrix, (shape[1], shape[0]), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE)
        keep = _instance_pixels(results, rows)
        results['img'] = np.where(keep[..., None], img, background)
        select_instances(results, rows)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'keep_prob={self.keep_prob}, '
                f'ratio_range={self.ratio_range}, '
                f'same_subset={self.same_subset}, '
                f'max_area={self.max_area})')
