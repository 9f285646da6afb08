"""Two strongly augmented views of one image as a key/reference frame pair.

MASA learns instance matching from unlabeled images: the same image goes
twice through random augmentations, and instances with the same id in the
two views are positives. :class:`TwoViews` produces exactly the
two-frame sample that QDTrack training consumes (``PackTrackInputs`` ->
``TrackDataSample`` with a key frame and a reference frame).
"""
import copy
from typing import List, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmdet.structures.bbox import autocast_box_type

from qdtrack.registry import TRANSFORMS

from .instance_ids import KeepInstanceIds, select_instances

#: Per-view fields collated into two-element lists for ``PackTrackInputs``.
VIEW_KEYS = ('img', 'gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags',
             'gt_instances_ids', 'gt_masks', 'img_id', 'img_path',
             'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
             'flip_direction', 'homography_matrix', 'mix_homography')


@TRANSFORMS.register_module()
class FilterViewInstances(BaseTransform):
    """Clip boxes to the view and drop instances that left it or are tiny.

    Run it after the last transform that moves pixels and before ``Pad``
    (the padding is not image content).

    Args:
        min_size (float): Boxes narrower or lower than this (pixels, after
            clipping) are dropped.
        keep_masks (bool): Keep ``gt_masks`` in the output. Masks are only
            needed to recompute boxes; dropping them saves memory.
    """

    keeps_instance_ids = True

    def __init__(self, min_size: float = 2.0,
                 keep_masks: bool = False) -> None:
        self.min_size = min_size
        self.keep_masks = keep_masks

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        """Filter the instances of one view."""
        boxes = results['gt_bboxes']
        boxes.clip_(results['img'].shape[:2])
        keep = ((boxes.widths >= self.min_size) &
                (boxes.heights >= self.min_size)).numpy()
        select_instances(results, np.flatnonzero(keep))
        if not self.keep_masks:
            results.pop('gt_masks', None)
        return results


@TRANSFORMS.register_module()
class TwoViews(BaseTransform):
    """Augment one image twice, independently, into a key/ref frame pair.

    Every transform that does not declare ``keeps_instance_ids`` is wrapped
    in :class:`KeepInstanceIds`, so ids, masks and boxes stay in step
    whatever mmdet transform is used. Each view starts with an identity
    ``homography_matrix``, so afterwards it maps original-image pixels to
    view pixels (for the mixed-in image, compose with ``mix_homography``).
    Where a view transform has ``uses_pair_seed``, both views get the same
    random ``pair_seed`` (an int) for the draws they must share.

    The output holds two-element lists of the per-view fields,
    ``frame_id`` = ``[0, 1]`` and ``key_frame_flags`` = ``[True, False]``:
    the input of mmdet's ``PackTrackInputs``.

    Args:
        transforms (list[dict]): The augmentation of one view.
        min_instances (int): A view with fewer instances -- or no instance
            in common with the other view -- makes the whole sample None
            (the dataset then draws another image).
    """

    def __init__(self, transforms: Sequence[dict],
                 min_instances: int = 1) -> None:
        built: List = []
        for cfg in transforms:
            t = TRANSFORMS.build(cfg) if isinstance(cfg, dict) else cfg
            if not getattr(t, 'keeps_instance_ids', False):
                t = KeepInstanceIds(t)
            built.append(t)
        self.pipeline = Compose(built)
        # drawn only when used, so pipelines without it draw as before
        self.uses_pair_seed = any(
            getattr(t, 'uses_pair_seed', False) for t in built)
        self.min_instances = min_instances

    def transform(self, results: dict) -> Optional[dict]:
        """Two views of ``results`` (None if either has no instance)."""
        views = []
        seed = (np.random.randint(2**31 - 1) if self.uses_pair_seed else
                None)
        for _ in range(2):
            view = copy.deepcopy(results)
            view['homography_matrix'] = np.eye(3, dtype=np.float32)
            if seed is not None:
                view['pair_seed'] = seed
            view = self.pipeline(view)
            if view is None or len(view['gt_bboxes']) < self.min_instances:
                return None
            views.append(view)
        if not np.intersect1d(views[0]['gt_instances_ids'],
                              views[1]['gt_instances_ids']).size:
            return None
        out = {k: v for k, v in results.items()
               if k not in VIEW_KEYS and k not in ('mix_results', 'instances')}
        for key in VIEW_KEYS:
            if all(key in v for v in views):
                out[key] = [v[key] for v in views]
        out['frame_id'] = [0, 1]
        out['key_frame_flags'] = [True, False]
        return out

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.pipeline!r})'
