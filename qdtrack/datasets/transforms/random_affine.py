"""mmdet's ``RandomAffine`` that records its homography."""
import cv2
import numpy as np
from mmdet.datasets.transforms import RandomAffine
from mmdet.structures.bbox import autocast_box_type

from qdtrack.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomAffineWithHomography(RandomAffine):
    """Random rotation, scale, shear and translation (mmdet's sampling).

    The same matrix sampling, warping, box projection (corners -> enclosing
    box), clipping and removal of boxes outside the image as mmdet's
    ``RandomAffine`` (MASA's settings are its defaults: 10 degrees,
    translation 0.1, scale 0.5-1.5, shear 2, about the top-left corner),
    plus what two-view training needs: the matrix is composed into
    ``homography_matrix`` (mmdet's version records nothing, so boxes cannot
    be mapped back) and ``gt_instances_ids`` and ``gt_masks`` are left to
    :class:`KeepInstanceIds` (mmdet's raises on masks and does not filter
    ids).

    Args:
        See :class:`mmdet.datasets.transforms.RandomAffine`.
    """

    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        """Warp the image and boxes with one random affine matrix."""
        if results.get('gt_masks') is not None:
            raise ValueError('wrap RandomAffineWithHomography in '
                             'KeepInstanceIds to warp masks')
        img = results['img']
        height = img.shape[0] + self.border[1] * 2
        width = img.shape[1] + self.border[0] * 2
        matrix = self._get_random_homography_matrix(height, width)
        results['img'] = cv2.warpPerspective(
            img, matrix, dsize=(width, height), borderValue=self.border_val)
        results['img_shape'] = results['img'].shape[:2]
        before = results.get('homography_matrix')
        results['homography_matrix'] = (
            matrix if before is None else matrix @ before).astype(np.float32)
        bboxes = results['gt_bboxes']
        if len(bboxes):
            bboxes.project_(matrix)
            if self.bbox_clip_border:
                bboxes.clip_([height, width])
            keep = bboxes.is_inside([height, width]).numpy()
            results['gt_bboxes'] = bboxes[keep]
            for key in ('gt_bboxes_labels', 'gt_ignore_flags',
                        'gt_instances_ids'):
                if results.get(key) is not None:
                    results[key] = results[key][keep]
        return results
