"""Import the ``segment-anything`` package without torchvision.

``segment_anything`` imports torchvision at module level for four helpers:
``torchvision.ops.boxes.batched_nms`` and ``box_area`` (automatic mask
generator) and ``torchvision.transforms.functional.resize`` and
``to_pil_image`` (the predictor's ``ResizeLongestSide``). On our CPU
machines the installed torchvision is a CUDA build that fails to import, so
the package cannot even be imported.

:func:`import_segment_anything` imports it with stand-ins for exactly those
four names, placed in ``sys.modules`` only for the duration of the import
(afterwards ``import torchvision`` behaves as before, for everybody else):

- ``batched_nms`` runs mmcv's compiled ``batched_nms`` (same IoU convention
  as torchvision: no +1; kept indices sorted by decreasing score);
- ``box_area`` is ``(x2 - x1) * (y2 - y1)``;
- ``to_pil_image`` / ``resize`` do what torchvision does for an HWC uint8
  array: a PIL image resized bilinearly to ``(h, w)``.

The stand-ins are used even where torchvision works, so that proposals do
not depend on which machine made them. If ``segment_anything`` was already
imported (e.g. by the user, with a working torchvision), that module is
returned unchanged.
"""
import importlib
import sys
import types
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

__all__ = ['batched_nms', 'box_area', 'import_segment_anything', 'resize',
           'to_pil_image']


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor,
                iou_threshold: float) -> Tensor:
    """Per-category NMS with torchvision's signature, run by mmcv.

    Args:
        boxes (Tensor): Boxes (N, 4), ``x1, y1, x2, y2``.
        scores (Tensor): Scores (N, ).
        idxs (Tensor): Category of each box (N, ); boxes of different
            categories never suppress each other.
        iou_threshold (float): Boxes overlapping a kept box of the same
            category with IoU > ``iou_threshold`` are removed.

    Returns:
        Tensor: Indices (K, ) (int64) of the kept boxes, by decreasing
        score.
    """
    from mmcv.ops import batched_nms as mmcv_batched_nms
    if boxes.numel() == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    _, keep = mmcv_batched_nms(
        boxes.float(), scores.float(), idxs,
        dict(type='nms', iou_threshold=float(iou_threshold)))
    return keep.long()


def box_area(boxes: Tensor) -> Tensor:
    """Areas (N, ) of boxes (N, 4) given as ``x1, y1, x2, y2``."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def to_pil_image(image: np.ndarray):
    """A PIL image of an HWC uint8 array (torchvision's behaviour for it)."""
    from PIL import Image
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise TypeError('to_pil_image stand-in takes an HW or HWC uint8 '
                        f'array, got {image.dtype} {image.shape}')
    return Image.fromarray(image)


def resize(image, size: Sequence[int]):
    """Resize a PIL image bilinearly to ``size = (h, w)``."""
    from PIL import Image
    h, w = int(size[0]), int(size[1])
    return image.resize((w, h), Image.BILINEAR)


def _stand_in_modules() -> dict:
    root = types.ModuleType('torchvision')
    ops = types.ModuleType('torchvision.ops')
    boxes = types.ModuleType('torchvision.ops.boxes')
    transforms = types.ModuleType('torchvision.transforms')
    functional = types.ModuleType('torchvision.transforms.functional')
    boxes.batched_nms, boxes.box_area = batched_nms, box_area
    ops.boxes, ops.batched_nms, ops.box_area = boxes, batched_nms, box_area
    functional.resize, functional.to_pil_image = resize, to_pil_image
    transforms.functional = functional
    root.ops, root.transforms = ops, transforms
    for module in (root, ops, transforms):
        module.__path__ = []  # a package, so submodule imports resolve
    return {m.__name__: m for m in (root, ops, boxes, transforms, functional)}


def import_segment_anything() -> types.ModuleType:
    """Import ``segment_anything`` with the torchvision stand-ins.

    Returns:
        module: The ``segment_anything`` package.

    Raises:
        ImportError: If the package is not installed (with the pip command).
    """
    if 'segment_anything' in sys.modules:
        return sys.modules['segment_anything']
    saved = {name: mod for name, mod in sys.modules.items()
             if name == 'torchvision' or name.startswith('torchvision.')}
    for name in saved:
        del sys.modules[name]
    stand_ins = _stand_in_modules()
    sys.modules.update(stand_ins)
    try:
        return importlib.import_module('segment_anything')
    except ModuleNotFoundError as e:
        if e.name != 'segment_anything':
            raise
        raise ImportError(
            'SAM proposals need the segment-anything package: '
            'pip install segment-anything') from e
    finally:
        for name in stand_ins:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
