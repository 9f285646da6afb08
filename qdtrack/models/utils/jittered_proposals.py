"""Proposals drawn around the instance boxes of an image: what the track
head samples from when a model has no RPN (MASA without its distillation
head)."""
from typing import Sequence

import torch
from torch import Tensor


def jittered_proposals(bboxes: Tensor,
                       img_shape: Sequence[int],
                       num_per_box: int = 16,
                       amplitude: float = 0.5,
                       num_random: int = 64,
                       min_size: float = 2.0) -> Tensor:
    """Random boxes around each instance plus random boxes over the image.

    Each instance box of centre (cx, cy) and size (w, h) gives
    ``num_per_box`` boxes. Each draws a jitter a uniform in [0,
    ``amplitude``]; its centre moves by up to a times (w, h) and its width
    and height are scaled by exp(u), u uniform in [-a, a]. With the
    default 0.5, about 40 % of them have IoU >= 0.7 with the instance and
    the rest spread down to 0.2, as an RPN's proposals around an object
    would; the random boxes and the other instances' boxes give the
    negatives. ``num_random`` boxes with uniform centres and
    sides of 1/16 to 1/2 of the image add background. Boxes are clipped to
    the image and those narrower or lower than ``min_size`` are dropped.
    Draws from torch's global generator (seeded by mmengine).

    Args:
        bboxes (Tensor): Instance boxes (G, 4), xyxy.
        img_shape (Sequence[int]): (H, W) of the network input.
        num_per_box (int): Jittered boxes per instance. Defaults to 16.
        amplitude (float): Jitter of the centre (fraction of the size) and
            of the log-size. Defaults to 0.5.
        num_random (int): Boxes spread over the image. Defaults to 64.
        min_size (float): Smallest side kept, in pixels. Defaults to 2.

    Returns:
        Tensor: Proposals (P, 4), xyxy, P <= G * num_per_box + num_random,
        on the device and dtype of ``bboxes``.
    """
    if amplitude < 0 or num_per_box < 0 or num_random < 0:
        raise ValueError('jittered_proposals needs amplitude, num_per_box '
                         f'and num_random >= 0, got {amplitude}, '
                         f'{num_per_box} and {num_random}')
    height, width = float(img_shape[0]), float(img_shape[1])
    kwargs = dict(device=bboxes.device, dtype=bboxes.dtype)
    centres = (bboxes[:, :2] + bboxes[:, 2:]) / 2
    sizes = (bboxes[:, 2:] - bboxes[:, :2]).clamp(min=0)
    centres = centres.repeat_interleave(num_per_box, dim=0)
    sizes = sizes.repeat_interleave(num_per_box, dim=0)
    scale = torch.rand(len(centres), 1, **kwargs) * amplitude
    noise = (torch.rand(len(centres), 4, **kwargs) * 2 - 1) * scale
    centres = centres + noise[:, :2] * sizes
    sizes = sizes * noise[:, 2:].exp()

    image = torch.tensor([width, height], **kwargs)
    random_centres = torch.rand(num_random, 2, **kwargs) * image
    random_sizes = (1 / 16 + torch.rand(num_random, 2, **kwargs) *
                    (1 / 2 - 1 / 16)) * image
    centres = torch.cat([centres, random_centres])
    sizes = torch.cat([sizes, random_sizes])

    boxes = torch.cat([centres - sizes / 2, centres + sizes / 2], dim=1)
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
    keep = ((boxes[:, 2] - boxes[:, 0] >= min_size) &
            (boxes[:, 3] - boxes[:, 1] >= min_size))
    return boxes[keep]
