"""PasteOnOtherImage: kept instances keep their pixels, the rest is new."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks
from test_two_views import _config_transforms, _dataset, _samples, make_data

from qdtrack.datasets.transforms import PasteOnOtherImage
from qdtrack.datasets.transforms.mix_up import random_placement

H, W = 40, 60
EXTRA = (7, 77, 177)
BOXES = [(5, 6, 20, 30), (30, 10, 52, 25)]  # x1, y1, x2, y2
COLOURS = [(250, 0, 0), (0, 250, 0)]


def _results(with_masks=True, extra_shape=(50, 70)):
    img = np.full((H, W, 3), 128, np.uint8)
    masks = np.zeros((len(BOXES), H, W), np.uint8)
    for k, ((x1, y1, x2, y2), colour) in enumerate(zip(BOXES, COLOURS)):
        img[y1:y2, x1:x2] = colour
        masks[k, y1:y2, x1:x2] = 1
    results = dict(
        img=img,
        gt_bboxes=HorizontalBoxes(torch.tensor(BOXES, dtype=torch.float32)),
        gt_bboxes_labels=np.zeros(2, np.int64),
        gt_ignore_flags=np.zeros(2, bool),
        gt_instances_ids=np.array([3, 4]),
        homography_matrix=np.eye(3, dtype=np.float32),
        mix_results=[dict(img=np.full(extra_shape + (3, ), EXTRA, np.uint8))])
    if with_masks:
        results['gt_masks'] = BitmapMasks(masks, H, W)
    return results


@pytest.mark.parametrize('with_masks', [True, False])
def test_kept_instances_keep_their_pixels_and_the_rest_is_replaced(
        with_masks):
    inside = np.zeros((H, W), bool)
    for x1, y1, x2, y2 in BOXES:
        inside[y1:y2, x1:x2] = True
    # many placements: flipped and shrunk ones map the centres of the edge
    # pixels just outside the extra image, which must not show a pad value
    for seed in range(100):
        np.random.seed(seed)
        results = _results(with_masks)
        original = results['img'].copy()
        out = PasteOnOtherImage(prob=1.0)(results)
        assert (out['img'][inside] == original[inside]).all()
        assert (out['img'][~inside] == EXTRA).all(), seed
        assert out['gt_instances_ids'].tolist() == [3, 4]
        assert out['gt_bboxes'].tensor.tolist() == [list(b) for b in BOXES]
        if with_masks:
            assert len(out['gt_masks']) == 2


def test_dropped_instances_leave_the_view_and_their_pixels():
    np.random.seed(0)
    for _ in range(10):
        out = PasteOnOtherImage(prob=1.0, keep_prob=0.0)(_results())
        assert len(out['gt_instances_ids']) == 1  # at least one is kept
        kept = out['gt_instances_ids'][0] - 3
        for k, (x1, y1, x2, y2) in enumerate(BOXES):
            patch = out['img'][y1:y2, x1:x2]
            assert (patch == (COLOURS[k] if k == kept else EXTRA)).all()
        assert len(out['gt_masks']) == len(out['gt_bboxes']) == 1
        assert out['gt_bboxes_labels'].shape == (1, )


def test_boxes_without_masks_keep_every_pixel_they_touch():
    results = _results(with_masks=False)
    results['gt_bboxes'] = HorizontalBoxes(
        torch.tensor([[5.5, 6.2, 19.5, 29.9]]))
    for key, value in (('gt_bboxes_labels', np.zeros(1, np.int64)),
                       ('gt_ignore_flags', np.zeros(1, bool)),
                       ('gt_instances_ids', np.array([3]))):
        results[key] = value
    out = PasteOnOtherImage(prob=1.0)(results)
    assert (out['img'][6:30, 5:20] == COLOURS[0]).all()
    assert (out['img'][:, :5] == EXTRA).all()
    assert (out['img'][30:] == EXTRA).all()


def test_nothing_changes_by_chance_or_without_an_extra_image():
    results = _results()
    original = results['img'].copy()
    out = PasteOnOtherImage(prob=0.0)(results)
    assert (out['img'] == original).all() and len(out['gt_bboxes']) == 2
    results = _results()
    del results['mix_results']
    out = PasteOnOtherImage(prob=1.0)(results)
    assert (out['img'] == original).all() and len(out['gt_bboxes']) == 2


def test_keep_prob_sets_how_many_instances_stay():
    np.random.seed(1)
    transform = PasteOnOtherImage(prob=1.0, keep_prob=0.5)
    kept = [len(transform(_results())['gt_bboxes']) for _ in range(400)]
    # each of 2 kept with p 0.5, at least one: E = 0.25*2 + 0.75*1 = 1.25
    assert 1.17 < np.mean(kept) < 1.33


@pytest.mark.parametrize('with_masks', [True, False])
def test_max_area_drops_the_large_instances_from_a_pasted_view(with_masks):
    # box areas 360 (0.150 of the 40 x 60 view) and 330 (0.1375)
    for seed in range(5):
        np.random.seed(seed)
        out = PasteOnOtherImage(prob=1.0, max_area=0.14)(
            _results(with_masks))
        assert out['gt_instances_ids'].tolist() == [4]
        assert out['gt_bboxes'].tensor.tolist() == [list(BOXES[1])]
        x1, y1, x2, y2 = BOXES[0]
        assert (out['img'][y1:y2, x1:x2] == EXTRA).all()
        x1, y1, x2, y2 = BOXES[1]
        assert (out['img'][y1:y2, x1:x2] == COLOURS[1]).all()
    # no instance small enough: all may be kept
    out = PasteOnOtherImage(prob=1.0, max_area=0.1)(_results(with_masks))
    assert out['gt_instances_ids'].tolist() == [3, 4]
    # a view left unpasted keeps its large instances
    out = PasteOnOtherImage(prob=0.0, max_area=0.14)(_results(with_masks))
    assert out['gt_instances_ids'].tolist() == [3, 4]


def test_bad_probabilities_are_refused():
    with pytest.raises(ValueError, match='keep_prob'):
        PasteOnOtherImage(keep_prob=1.5)
    with pytest.raises(ValueError, match='prob'):
        PasteOnOtherImage(prob=-0.1)
    with pytest.raises(ValueError, match='max_area'):
        PasteOnOtherImage(max_area=0.0)


@pytest.mark.parametrize('src', [(50, 70), (30, 90), (120, 20)])
def test_covering_placement_covers_the_view(src):
    np.random.seed(2)
    for _ in range(20):
        matrix = random_placement(src, (H, W), (1.0, 1.6), 0.5, cover=True)
        corners = matrix @ np.array([[0, src[1], 0, src[1]],
                                     [0, 0, src[0], src[0]], [1, 1, 1, 1.]])
        xs, ys = corners[0] / corners[2], corners[1] / corners[2]
        assert xs.min() <= 0 and ys.min() <= 0
        assert xs.max() >= W - 1e-6 and ys.max() >= H - 1e-6


def test_two_views_show_pasted_instances_on_new_surroundings(tmp_path):
    root, truth = make_data(tmp_path)
    _, transforms = _config_transforms(
        drop=('RandomAffineWithHomography', 'SharedImageMixUp',
              'YOLOXHSVRandomAug'),
        RandomResize=dict(ratio_range=(0.8, 1.25)))
    transforms.insert(0, dict(type='PasteOnOtherImage', prob=1.0,
                              keep_prob=0.5))
    ds = _dataset(root, transforms)
    names = [osp.basename(ds.get_data_info(i)['img_path'])
             for i in range(len(ds))]
    kernel = np.ones((3, 3), np.uint8)
    checked = fewer = 0
    for idx, s in _samples(ds, 20, seed=3):
        main = truth[names[idx]]
        for v in range(2):
            ids = s['gt_instances_ids'][v]
            assert set(ids.tolist()) <= set(range(1, len(main) + 1))
            fewer += len(ids) < len(main)
            for j, k in enumerate(ids):
                colour = main[k - 1][1]
                inner = cv2.erode(s['gt_masks'][v].masks[j], kernel) > 0
                if colour is None or inner.sum() < 4:
                    continue
                median = np.median(s['img'][v][inner], axis=0)
                assert np.abs(median - colour).max() < 30, (k, median)
                checked += 1
    assert checked > 20 and fewer > 10


def test_same_subset_draws_once_per_pair():
    transform = PasteOnOtherImage(prob=1.0, keep_prob=0.5, same_subset=True)
    assert transform.uses_pair_seed
    np.random.seed(4)
    subsets = set()
    for seed in range(40):
        kept = []
        for _ in range(2):  # the global generator moves on between views
            results = _results()
            results['pair_seed'] = seed
            kept.append(tuple(transform(results)['gt_instances_ids']))
        assert kept[0] == kept[1]
        subsets.add(kept[0])
    assert subsets == {(3, ), (4, ), (3, 4)}
    with pytest.raises(KeyError, match='pair_seed'):
        transform(_results())


@pytest.mark.parametrize('same_subset', [True, False])
def test_two_views_share_the_pasted_subset_only_when_asked(tmp_path,
                                                          same_subset):
    from qdtrack.datasets.transforms import TwoViews
    root, _ = make_data(tmp_path)
    # no transform that can drop instances after the paste
    _, transforms = _config_transforms(
        drop=('RandomAffineWithHomography', 'SharedImageMixUp',
              'YOLOXHSVRandomAug', 'RandomResize', 'RandomCrop'))
    transforms.insert(0, dict(type='PasteOnOtherImage', prob=1.0,
                              keep_prob=0.3, same_subset=same_subset))
    assert TwoViews(transforms=transforms).uses_pair_seed == same_subset
    ds = _dataset(root, transforms)
    differ = 0
    for _, s in _samples(ds, 20, seed=5):
        ids = [set(s['gt_instances_ids'][v].tolist()) for v in range(2)]
        differ += ids[0] != ids[1]
        assert 'pair_seed' not in s
    if same_subset:
        assert differ == 0
    else:
        assert differ > 5
