"""Box crops resized to a fixed size: one function for training and tracking.

The ReID model is trained on crops cut by the dataset pipeline and used on
crops cut from test frames by the tracker; both go through
:func:`crop_boxes`, so the pixels a ReID model sees are sampled the same way
in both places.
"""
from typing import Tuple

import torch
from mmcv.ops import roi_align
from torch import Tensor


def crop_boxes(image: Tensor, bboxes: Tensor,
               size: Tuple[int, int]) -> Tensor:
    """Crop boxes from one image and resize them (bilinear).

    Output pixel ``(i, j)`` of a box ``[x1, y1, x2, y2]`` is the bilinear
    interpolation of the image at ``x1 + (j + 0.5) * (x2 - x1) / w``,
    ``y1 + (i + 0.5) * (y2 - y1) / h`` (continuous coordinates, pixel
    centres at ``k + 0.5``), i.e. what ``cv2.resize`` with
    ``INTER_LINEAR`` gives for an integer box inside the image. Points
    within a pixel of the border repeat the border; points farther outside
    read 0. Computed by mmcv's RoIAlign with one sample per output pixel.

    Args:
        image (Tensor): (C, H, W) image.
        bboxes (Tensor): (N, 4) boxes in pixels of ``image``.
        size (tuple[int, int]): Output ``(h, w)``.

    Returns:
        Tensor: (N, C, h, w) crops, float32.
    """
    if image.dim() != 3:
        raise ValueError(f'image must be (C, H, W), got {tuple(image.shape)}')
    bboxes = torch.as_tensor(bboxes, dtype=torch.float32,
                             device=image.device).reshape(-1, 4)
    if bboxes.shape[0] == 0:
        return image.new_zeros((0, image.shape[0]) + tuple(size),
                               dtype=torch.float32)
    rois = torch.cat([bboxes.new_zeros(len(bboxes), 1), bboxes], dim=1)
    # mmcv's op reads raw NCHW memory: a channels-last view would be misread
    return roi_align(image[None].float().contiguous(), rois, tuple(size),
                     1.0, 1, 'avg', True)
