import pytest
import torch
from mmdet.structures.bbox import bbox_overlaps

from qdtrack.models.trackers.box_iou import box_iou


def _random_boxes(n, gen):
    xy = torch.rand(n, 2, generator=gen) * 100
    wh = torch.rand(n, 2, generator=gen) * 40
    return torch.cat([xy, xy + wh], dim=1)


@pytest.mark.parametrize('n, m', [(7, 5), (1, 30), (40, 40)])
def test_equals_mmdet_bbox_overlaps(n, m):
    gen = torch.Generator().manual_seed(n * 100 + m)
    boxes1, boxes2 = _random_boxes(n, gen), _random_boxes(m, gen)
    boxes2[0] = boxes1[0]  # one identical pair
    ious = box_iou(boxes1, boxes2)
    assert ious.shape == (n, m)
    assert torch.allclose(ious, bbox_overlaps(boxes1, boxes2), atol=1e-6)
    assert ious[0, 0].item() == pytest.approx(1.0)


def test_hand_cases():
    a = torch.tensor([[0., 0., 10., 10.]])
    b = torch.tensor([[5., 0., 15., 10.],    # half overlap: 50 / 150
                      [10., 0., 20., 10.],   # touching: 0
                      [2., 2., 4., 4.],      # inside: 4 / 100
                      [3., 3., 3., 3.]])     # degenerate: 0, not NaN
    expected = torch.tensor([[50 / 150, 0., 0.04, 0.]])
    assert torch.allclose(box_iou(a, b), expected)
    assert box_iou(a, b[:0]).shape == (1, 0)
