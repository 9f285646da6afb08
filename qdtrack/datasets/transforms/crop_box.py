"""Cut the box of a ReID record out of its frame."""
from typing import Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from qdtrack.registry import TRANSFORMS
from qdtrack.utils.box_crops import crop_boxes


@TRANSFORMS.register_module()
class CropBox(BaseTransform):
    """Replace ``img`` by the crop of ``bbox``, resized to ``scale``.

    Uses :func:`~qdtrack.utils.box_crops.crop_boxes`, the crop the
    trackers use at test time. Required keys: ``img`` (H, W, C) and ``bbox``
    ``[x1, y1, x2, y2]``. Modified keys: ``img``, ``img_shape``,
    ``ori_shape`` (the crop is the new original), ``scale`` ``(w, h)``,
    ``scale_factor`` (crop size over box size), as mmdet's
    ``PackReIDInputs`` expects by default.

    Args:
        scale (tuple[int, int]): Crop size ``(w, h)`` (mmcv's order), e.g.
            ``(128, 256)`` for the common 256x128 ReID input.
    """

    def __init__(self, scale: Tuple[int, int]) -> None:
        self.scale = tuple(int(v) for v in scale)
        if len(self.scale) != 2 or min(self.scale) < 1:
            raise ValueError(f'scale must be (w, h) >= 1, got {scale}')

    def transform(self, results: dict) -> dict:
        img = results['img']
        box = np.asarray(results['bbox'], dtype=np.float32).reshape(1, 4)
        if not (box[0, 2] > box[0, 0] and box[0, 3] > box[0, 1]):
            raise ValueError(f'{results.get("img_path")}: empty box '
                             f'{box[0].tolist()}')
        chw = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)
        w, h = self.scale
        crop = crop_boxes(chw, torch.from_numpy(box), (h, w))[0]
        crop = crop.round_().clamp_(0, 255).to(torch.uint8)
        results['img'] = crop.permute(1, 2, 0).numpy()
        results['img_shape'] = results['ori_shape'] = (h, w)
        bw, bh = box[0, 2] - box[0, 0], box[0, 3] - box[0, 1]
        results['scale'] = (w, h)
        results['scale_factor'] = (w / float(bw), h / float(bh))
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale={self.scale})'
