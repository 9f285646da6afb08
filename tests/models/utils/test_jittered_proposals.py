import pytest
import torch
from mmdet.structures.bbox import bbox_overlaps

from qdtrack.models.utils import jittered_proposals

GTS = torch.tensor([[10., 20., 50., 100.], [120., 40., 150., 90.]])


def test_counts_bounds_and_spread_of_iou():
    torch.manual_seed(0)
    boxes = jittered_proposals(GTS, (120, 160), num_per_box=200,
                               amplitude=0.5, num_random=50, min_size=2)
    # nothing outside the image, nothing thinner than min_size
    assert boxes[:, 0::2].min() >= 0 and boxes[:, 0::2].max() <= 160
    assert boxes[:, 1::2].min() >= 0 and boxes[:, 1::2].max() <= 120
    assert ((boxes[:, 2:] - boxes[:, :2]) >= 2).all()
    assert 400 <= len(boxes) <= 450
    # the jittered boxes of each instance hold positives (IoU >= 0.7) and
    # boxes down to IoU 0.3 and below, as an RPN's proposals would
    for i in range(2):
        iou = bbox_overlaps(boxes[i * 200:(i + 1) * 200], GTS[i:i + 1])[:, 0]
        assert 0.25 < (iou >= 0.7).float().mean() < 0.6
        assert iou.min() < 0.35 and (iou < 0.5).any()
    # the random boxes give background (IoU < 0.3 with every instance)
    best = bbox_overlaps(boxes[400:], GTS).max(1).values
    assert (best < 0.3).float().mean() > 0.8

def test_centre_and_size_bounds():
    torch.manual_seed(1)
    box = torch.tensor([[100., 100., 140., 180.]])  # w 40, h 80
    out = jittered_proposals(box, (1000, 1000), num_per_box=500,
                             amplitude=0.25, num_random=0)
    assert len(out) == 500
    centre = (out[:, :2] + out[:, 2:]) / 2
    size = out[:, 2:] - out[:, :2]
    assert (centre - torch.tensor([120., 140.])).abs().max(0).values.le(
        torch.tensor([10., 20.]) + 1e-4).all()
    ratio = size / torch.tensor([40., 80.])
    assert ratio.min() >= torch.exp(torch.tensor(-0.25)) - 1e-5
    assert ratio.max() <= torch.exp(torch.tensor(0.25)) + 1e-5
    # zero amplitude gives the instance back
    same = jittered_proposals(box, (1000, 1000), num_per_box=3,
                              amplitude=0, num_random=0)
    torch.testing.assert_close(same, box.repeat(3, 1))


def test_no_instances_and_bad_arguments():
    out = jittered_proposals(torch.zeros(0, 4), (60, 80), num_random=10)
    assert out.shape[1] == 4 and 0 < len(out) <= 10
    with pytest.raises(ValueError, match='amplitude'):
        jittered_proposals(GTS, (60, 80), amplitude=-1)
