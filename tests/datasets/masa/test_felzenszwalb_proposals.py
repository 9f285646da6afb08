"""Weight-free proposals find drawn objects, merge two-part ones, NMS."""
import numpy as np
import pytest

from qdtrack.datasets.masa import FelzenszwalbProposals, mask_to_box


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
             - inter)
    return inter / union


def _scene():
    rng = np.random.default_rng(0)
    img = (rng.normal(120, 3, (72, 96, 3))).clip(0, 255).astype(np.uint8)
    objects = {
        'red': (8, 10, 24, 40),      # x1, y1, x2, y2
        'green': (40, 30, 60, 44),
        # a two-colour object: blue head above a yellow body
        'two-part': (70, 8, 84, 50),
    }
    img[10:40, 8:24] = (0, 0, 230)
    img[30:44, 40:60] = (0, 200, 0)
    img[8:20, 70:84] = (230, 0, 0)
    img[20:50, 70:84] = (0, 230, 230)
    return img, objects


def test_finds_objects_with_masks_and_suppresses_duplicates():
    img, objects = _scene()
    src = FelzenszwalbProposals(max_side=640, min_area=0.005)
    props = src(img)
    assert 0 < len(props) <= src.max_per_image
    boxes = np.stack([p.bbox for p in props])
    best = {name: max(_iou(box, b) for b in boxes)
            for name, box in objects.items()}
    assert best['red'] > 0.9 and best['green'] > 0.9, best
    # blurred edges of the two parts make its box ~1 px larger
    assert best['two-part'] > 0.75, best
    scores = [p.score for p in props]
    assert scores == sorted(scores, reverse=True)
    for i in range(len(boxes)):
        assert mask_to_box(props[i].mask).tolist() == boxes[i].tolist()
        for j in range(i):
            assert _iou(boxes[i], boxes[j]) <= 0.7 + 1e-6
    # nothing covering (almost) the whole image
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    assert area.max() <= 0.4 * 72 * 96


def test_two_part_object_needs_the_merge_step():
    img, objects = _scene()
    box = objects['two-part']
    alone = FelzenszwalbProposals(merge_adjacent=False, min_area=0.005)(img)
    assert max(_iou(box, p.bbox) for p in alone) < 0.72


def test_working_size_maps_back_and_boxes_only():
    img, objects = _scene()
    big = np.repeat(np.repeat(img, 2, axis=0), 2, axis=1)
    src = FelzenszwalbProposals(max_side=96, min_area=0.005,
                                with_masks=False)
    props = src(big)
    assert all(p.mask is None for p in props)
    boxes = np.stack([p.bbox for p in props])
    assert boxes[:, 2].max() <= 192 and boxes[:, 3].max() <= 144
    for name in ('red', 'green'):
        box = np.array(objects[name]) * 2
        assert max(_iou(box, b) for b in boxes) > 0.85, name
    assert src.settings()['source'] == 'felzenszwalb'


def test_area_weight_scales_scores_by_relative_box_area():
    img, _ = _scene()
    # no NMS and no cap: both runs keep the same candidates
    kw = dict(min_area=0.005, nms_iou=1.0, max_per_image=10**4,
              with_masks=False)
    plain = FelzenszwalbProposals(**kw)(img)
    weighted = FelzenszwalbProposals(area_weight=0.5, **kw)(img)
    assert len(plain) == len(weighted) > 3
    expected = [p.score * np.sqrt((p.bbox[2] - p.bbox[0]) *
                                  (p.bbox[3] - p.bbox[1]) / (72 * 96))
                for p in plain]
    np.testing.assert_allclose(sorted(expected),
                               sorted(p.score for p in weighted), rtol=1e-5)
    # the largest box climbs in the ranking
    def rank_of_largest(props):
        areas = [(p.bbox[2] - p.bbox[0]) * (p.bbox[3] - p.bbox[1])
                 for p in props]
        return int(np.argmax(areas))
    assert rank_of_largest(weighted) < rank_of_largest(plain)
    # stored only when set: files written before the option still resume
    assert 'area_weight' not in FelzenszwalbProposals().settings()
    assert FelzenszwalbProposals(area_weight=0.5).settings()[
        'area_weight'] == 0.5
    with pytest.raises(ValueError, match='area_weight'):
        FelzenszwalbProposals(area_weight=-1)


def test_boundary_score_of_a_flat_square_is_its_edge_contrast():
    img = np.full((40, 60, 3), 100, np.uint8)
    img[10:30, 20:40] = 200
    src = FelzenszwalbProposals(score='boundary', sigma=0, min_area=0.01,
                                nms_iou=1.0, with_masks=False)
    props = src(img)
    best = max(props, key=lambda p: _iou(p.bbox, (20, 10, 40, 30)))
    assert best.bbox.tolist() == [20, 10, 40, 30]
    # every pixel pair across the outline differs by 100 in R, G and B;
    # the square fills its box
    assert best.score == pytest.approx(100 / 255, rel=1e-6)
    assert src.settings()['score'] == 'boundary'
    assert 'score' not in FelzenszwalbProposals().settings()
    with pytest.raises(ValueError, match='score'):
        FelzenszwalbProposals(score='edges')


def test_merged_outlines_equal_the_outlines_of_their_masks():
    from skimage.segmentation import felzenszwalb
    img, _ = _scene()
    rgb = np.ascontiguousarray(img[..., ::-1])
    labels = felzenszwalb(rgb, scale=50, sigma=0.5,
                          min_size=20).astype(np.int64)
    src = FelzenszwalbProposals()
    _, _, _, members, outline = src._candidates(labels, rgb)
    n = int(labels.max()) + 1
    assert len(members) == len(outline) == n + 2 * (n - 1) and n > 4
    f = rgb.astype(np.float64)
    diff_x = np.linalg.norm(f[:, 1:] - f[:, :-1], axis=2)
    diff_y = np.linalg.norm(f[1:] - f[:-1], axis=2)
    for group, (total, count) in zip(members, outline):
        mask = np.isin(labels, list(group))
        cut_x = mask[:, 1:] != mask[:, :-1]
        cut_y = mask[1:] != mask[:-1]
        assert count == cut_x.sum() + cut_y.sum()
        assert total == pytest.approx(
            diff_x[cut_x].sum() + diff_y[cut_y].sum(), rel=1e-9, abs=1e-6)
    # the last merge of each pass is the whole image: no outline left
    for whole in (n + n - 2, -1):
        assert outline[whole] == pytest.approx([0, 0], abs=1e-6)
