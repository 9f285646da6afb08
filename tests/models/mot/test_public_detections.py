"""public_init_mask: which detections may start a track (public protocol)."""
import numpy as np
import pytest
import torch

from qdtrack.models.mot.public_detections import public_init_mask

# IoU with the public box [0, 0, 10, 10]: 1, 0.5, 0, 1/3, 0.81
BOXES = torch.tensor([
    [0., 0., 10., 10.],
    [0., 0., 10., 20.],  # 100 / 200
    [100., 100., 110., 110.],
    [5., 0., 15., 10.],  # 50 / 150
    [0., 0., 9., 9.],  # 81 / 100
])
PUBLIC = np.array([[0., 0., 10., 10., 0.9]], dtype=np.float32)


@pytest.mark.parametrize('iou_thr, expected', [
    (0.5, [True, True, False, False, True]),
    (0.3, [True, True, False, True, True]),
    (0.51, [True, False, False, False, True]),
    (0.9, [True, False, False, False, False]),
    (1.0, [True, False, False, False, False]),
])
def test_iou_threshold_hand_made(iou_thr, expected):
    mask = public_init_mask(BOXES, PUBLIC, iou_thr=iou_thr)
    assert mask.dtype == torch.bool
    assert mask.tolist() == expected


def test_any_public_box_counts_and_score_threshold():
    public = np.array([[0., 0., 10., 10., 0.2],
                       [100., 100., 110., 110., 0.9],
                       [5., 0., 15., 10., 0.6]])
    assert public_init_mask(BOXES, public).tolist() == [
        True, True, True, True, True
    ]
    # the low-scoring box no longer licenses boxes 0, 1 and 4; box 0 still
    # overlaps [5, 0, 15, 10] by 1/3 only
    assert public_init_mask(BOXES, public, score_thr=0.5).tolist() == [
        False, False, True, True, False
    ]
    assert public_init_mask(BOXES, public, score_thr=0.95).tolist() == [
        False
    ] * 5


def test_input_forms_agree():
    as_tensor = public_init_mask(BOXES, torch.from_numpy(PUBLIC))
    four_cols = public_init_mask(BOXES, PUBLIC[:, :4])
    with_scores = public_init_mask(
        torch.cat([BOXES, torch.ones(5, 1)], dim=1), PUBLIC.tolist())
    expected = [True, True, False, False, True]
    assert as_tensor.tolist() == four_cols.tolist() == \
        with_scores.tolist() == expected


def test_empty_and_none():
    assert public_init_mask(BOXES, None).tolist() == [True] * 5
    assert public_init_mask(BOXES, np.zeros((0, 5))).tolist() == [False] * 5
    assert public_init_mask(BOXES, []).tolist() == [False] * 5
    empty = public_init_mask(torch.zeros(0, 4), PUBLIC)
    assert empty.shape == (0, ) and empty.dtype == torch.bool
    assert public_init_mask(torch.zeros(0, 4), None).shape == (0, )


def test_matches_brute_force():
    rng = np.random.default_rng(0)

    def boxes(n):
        xy = rng.uniform(0, 200, (n, 2))
        wh = rng.uniform(5, 60, (n, 2))
        return np.concatenate([xy, xy + wh], axis=1)

    dets, public = boxes(60), boxes(25)
    public[:10] = dets[:10] + rng.normal(0, 3, (10, 4))  # near matches

    def iou(a, b):
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = w * h
        area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
        return inter / (area - inter)

    for thr in (0.3, 0.5, 0.7):
        expected = [any(iou(d, p) >= thr for p in public) for d in dets]
        mask = public_init_mask(torch.tensor(dets, dtype=torch.float32),
                                public, iou_thr=thr)
        assert mask.tolist() == expected
    assert 0 < sum(expected) < len(dets)


def test_errors():
    with pytest.raises(ValueError, match=r'bboxes must have shape'):
        public_init_mask(torch.zeros(3), PUBLIC)
    with pytest.raises(ValueError, match=r'public_dets must have shape'):
        public_init_mask(BOXES, np.zeros((2, 3)))
    with pytest.raises(ValueError, match='iou_thr must be in'):
        public_init_mask(BOXES, PUBLIC, iou_thr=1.5)
    with pytest.raises(ValueError, match='needs public_dets with a score'):
        public_init_mask(BOXES, PUBLIC[:, :4], score_thr=0.5)
    with pytest.raises(ValueError, match='NaN'):
        public_init_mask(BOXES, np.array([[0, 0, np.nan, 1]]))
    with pytest.raises(TypeError, match='must be a Tensor'):
        public_init_mask(BOXES.numpy(), PUBLIC)
