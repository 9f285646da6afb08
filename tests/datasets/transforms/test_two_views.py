"""Two-view static-image pairs: ids, geometry and pixels stay in step.

Small synthetic images (128 x 96) hold solid rectangles of distinct colours,
each a proposal with a mask, plus one proposal covering the whole image:
its warped mask is the part of the view that shows image content, which
tells when another instance may legitimately have left the view.
"""
import copy
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from qdtrack.datasets import StaticImagePairDataset
from qdtrack.datasets.masa import Proposal, ProposalFile, mask_to_box
from qdtrack.datasets.transforms import KeepInstanceIds, TwoViews
from qdtrack.datasets.transforms.instance_ids import warp_masks
from qdtrack.registry import MODELS, TRANSFORMS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))
CONFIG = osp.join(ROOT, 'configs/_base_/datasets/masa_static_toy.py')
W, H = 128, 96
COLOURS = [(0, 0, 230), (0, 200, 0), (230, 0, 0), (0, 220, 220),
           (220, 0, 220), (220, 220, 0)]


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) +
                    (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _project(box, matrix):
    x1, y1, x2, y2 = box
    pts = np.array([[x1, y1, 1], [x2, y1, 1], [x1, y2, 1], [x2, y2, 1]]).T
    pts = np.asarray(matrix, np.float64) @ pts
    pts = pts[:2] / pts[2:]
    return np.array([pts[0].min(), pts[1].min(), pts[0].max(), pts[1].max()])


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """Three images, their object boxes/colours, and the proposal file."""
    return make_data(tmp_path_factory.mktemp('static'))


def make_data(root):
    """Write the images and proposal file to ``root``; return the truth."""
    rng = np.random.default_rng(0)
    out = ProposalFile(str(root / 'proposals.json'), dict(source='test'))
    truth = {}
    for i in range(3):
        img = np.full((H, W, 3), 128, np.uint8)
        props, objects = [], []
        for k, (x, y) in enumerate([(8, 8), (52, 12), (88, 20), (16, 56),
                                    (60, 52), (96, 60)][:4 + i % 3]):
            w, h = rng.integers(18, 30), rng.integers(18, 30)
            mask = np.zeros((H, W), bool)
            mask[y:y + h, x:x + w] = True
            img[mask] = COLOURS[k]
            props.append(Proposal(mask_to_box(mask), 1.0 - 0.1 * k, mask))
            objects.append((mask_to_box(mask), COLOURS[k], mask))
        full = np.ones((H, W), bool)
        props.append(Proposal(mask_to_box(full), 0.01, full))
        objects.append((mask_to_box(full), None, full))
        cv2.imwrite(str(root / f'{i}.png'), img)
        out.add(f'{i}.png', H, W, props)
        truth[f'{i}.png'] = objects
    out.save()
    return root, truth


def _config_transforms(scale=(W, H), drop=(), **overrides):
    """The view transforms of the toy MASA config, at the test size."""
    cfg = Config.fromfile(CONFIG)
    transforms = []
    for t in copy.deepcopy(cfg.masa_view_transforms):
        if t['type'] in drop:
            continue
        for key in ('scale', 'crop_size', 'size'):
            if key in t:
                t[key] = scale
        if t['type'] == 'FilterViewInstances':
            t['keep_masks'] = True
        t.update(overrides.get(t['type'], {}))
        transforms.append(t)
    return cfg, transforms


def _dataset(root, transforms, pack=False, num_mix_images=1):
    cfg = Config.fromfile(CONFIG)
    pipeline = [dict(type='TwoViews', transforms=transforms)]
    if pack:
        pipeline.append(dict(type='PackTrackInputs',
                             meta_keys=('homography_matrix', )))
    return StaticImagePairDataset(
        data_root=str(root), ann_file='proposals.json',
        data_prefix=dict(img_path=''), num_mix_images=num_mix_images,
        load_pipeline=cfg.masa_load_pipeline, pipeline=pipeline,
        serialize_data=False)


def _samples(ds, n, seed):
    np.random.seed(seed)
    out = []
    while len(out) < n:
        idx = np.random.randint(len(ds))
        sample = ds.prepare_data(idx)
        if sample is not None:
            out.append((idx, sample))
    return out


def _truth(s, truth, v):
    """Per id of a sample: original box, mask, matrix to view ``v``, and
    the id of the whole-image instance of the image it comes from."""
    main = truth[osp.basename(s['img_path'][v])]
    out = {k: (box, mask, s['homography_matrix'][v], len(main))
           for k, (box, _, mask) in enumerate(main, start=1)}
    if 'mix_img_path' in s:
        mix = truth[osp.basename(s['mix_img_path'])]
        matrix = s['homography_matrix'][v] @ s['mix_homography'][v]
        for k, (box, _, mask) in enumerate(mix, start=len(main) + 1):
            out[k] = (box, mask, matrix, len(main) + len(mix))
    return out


def _unclipped(s, v, projected, content_id):
    """Whether a projected box lies inside the view's image content."""
    h, w = s['img'][v].shape[:2]
    x1, y1, x2, y2 = projected
    ids = list(s['gt_instances_ids'][v])
    if min(x1, y1) < 1 or x2 > w - 1 or y2 > h - 1 or content_id not in ids:
        return False
    content = s['gt_masks'][v].masks[ids.index(content_id)]
    return bool(content[int(y1) - 1:int(np.ceil(y2)) + 1,
                        int(x1) - 1:int(np.ceil(x2)) + 1].all())


def test_ids_geometry_and_nothing_lost_under_strong_augmentation(data):
    root, truth = data
    _, transforms = _config_transforms()
    ds = _dataset(root, transforms)
    checked = dropped = mixed = 0
    for _, s in _samples(ds, 25, seed=0):
        assert 'mix_homography' in s
        for v in range(2):
            ids = s['gt_instances_ids'][v]
            assert len(np.unique(ids)) == len(ids)
            assert ids.min() >= 1
            assert len(ids) == len(s['gt_bboxes'][v]) == len(
                s['gt_masks'][v]) == len(s['gt_bboxes_labels'][v])
            assert (s['gt_bboxes_labels'][v] == 0).all()
            objects = _truth(s, truth, v)
            assert set(ids) <= set(objects)
            boxes = np.asarray(s['gt_bboxes'][v])
            masks = s['gt_masks'][v].masks
            shape = s['img'][v].shape[:2]
            for k, (box, mask, matrix, content_id) in objects.items():
                if k == content_id:
                    continue
                if k not in ids:
                    # dropped: it may only have left the view or shrunk
                    expected = warp_masks(mask[None], matrix, shape)[0] > 0
                    if content_id in ids:
                        expected &= masks[list(ids).index(content_id)] > 0
                    if expected.any():
                        eb = mask_to_box(expected)
                        assert min(eb[2] - eb[0], eb[3] - eb[1]) <= 3, (
                            k, eb)
                    dropped += 1
                    continue
                j = list(ids).index(k)
                projected = _project(box, matrix)
                if not _unclipped(s, v, projected, content_id) or \
                        min(boxes[j][2:] - boxes[j][:2]) < 20:
                    continue  # clipped by the view edge, or tiny
                assert _iou(projected, boxes[j]) > 0.9, (k, v)
                checked += 1
                mixed += k > len(truth[osp.basename(s['img_path'][v])])
    assert checked > 25 and mixed > 3 and dropped > 0


def test_mixed_in_instances_are_positives_in_both_views(data):
    root, truth = data
    _, transforms = _config_transforms()
    ds = _dataset(root, transforms)
    shared = 0
    for _, s in _samples(ds, 20, seed=1):
        n_main = len(truth[osp.basename(s['img_path'][0])])
        n_mix = len(truth[osp.basename(s['mix_img_path'])])
        views = [set(ids.tolist()) for ids in s['gt_instances_ids']]
        for ids in views:
            assert ids <= set(range(1, n_main + n_mix + 1))
        shared += len({k for k in views[0] & views[1] if k > n_main})
    assert shared > 10


def test_boxes_warp_back_onto_the_original_without_rotation(data):
    root, truth = data
    _, transforms = _config_transforms(
        RandomAffineWithHomography=dict(max_rotate_degree=0.0,
                                        max_shear_degree=0.0),
        # keep objects large enough for box IoUs to mean something
        RandomResize=dict(ratio_range=(0.8, 2.0)))
    ds = _dataset(root, transforms)
    checked = 0
    for _, s in _samples(ds, 20, seed=2):
        objects = [_truth(s, truth, v) for v in range(2)]
        both = set(s['gt_instances_ids'][0]) & set(s['gt_instances_ids'][1])
        back = {}
        for v in range(2):
            ids = list(s['gt_instances_ids'][v])
            for k in both:
                box, _, matrix, content_id = objects[v][k]
                view_box = np.asarray(s['gt_bboxes'][v])[ids.index(k)]
                if k == content_id or min(view_box[2:] - view_box[:2]) < 20 \
                        or not _unclipped(s, v, _project(box, matrix),
                                          content_id):
                    continue
                back.setdefault(k, []).append(
                    _project(view_box, np.linalg.inv(matrix)))
        for k, boxes in back.items():
            for b in boxes:
                assert _iou(b, objects[0][k][0]) > 0.9, (k, b)
            if len(boxes) == 2:  # both views: the same object
                assert _iou(boxes[0], boxes[1]) > 0.85
                checked += 1
    assert checked > 10


def test_view_pixels_show_the_instance(data):
    root, truth = data
    _, transforms = _config_transforms(
        drop=('SharedImageMixUp', 'YOLOXHSVRandomAug'))
    ds = _dataset(root, transforms, num_mix_images=0)
    names = [osp.basename(ds.get_data_info(i)['img_path'])
             for i in range(len(ds))]
    checked = 0
    kernel = np.ones((3, 3), np.uint8)
    for idx, s in _samples(ds, 20, seed=3):
        main = truth[names[idx]]
        for v in range(2):
            img = s['img'][v]
            for j, k in enumerate(s['gt_instances_ids'][v]):
                colour = main[k - 1][1]
                inner = cv2.erode(s['gt_masks'][v].masks[j], kernel) > 0
                if colour is None or inner.sum() < 4:
                    continue
                median = np.median(img[inner], axis=0)
                assert np.abs(median - colour).max() < 30, (k, median)
                checked += 1
    assert checked > 30


def test_mmdet_random_affine_loses_ids_without_the_wrapper():
    from mmdet.structures.bbox import HorizontalBoxes

    def results():
        return dict(
            img=np.zeros((20, 30, 3), np.uint8),
            gt_bboxes=HorizontalBoxes(np.array(
                [[1, 1, 5, 5], [40, 2, 45, 8], [10, 10, 20, 15]],
                np.float32)),
            gt_bboxes_labels=np.array([0, 0, 0]),
            gt_ignore_flags=np.zeros(3, bool),
            gt_instances_ids=np.array([7, 8, 9]))

    identity = dict(type='mmdet.RandomAffine', max_rotate_degree=0.0,
                    max_translate_ratio=0.0, scaling_ratio_range=(1, 1),
                    max_shear_degree=0.0)
    plain = TRANSFORMS.build(identity)(results())
    assert len(plain['gt_bboxes']) == 2
    assert len(plain['gt_instances_ids']) == 3  # out of step
    wrapped = KeepInstanceIds(identity)(results())
    assert wrapped['gt_instances_ids'].tolist() == [7, 9]
    assert wrapped['gt_bboxes_labels'].tolist() == [0, 0]


def test_mix_ids_never_collide_and_no_id_zero(data):
    root, _ = data
    _, transforms = _config_transforms()
    ds = _dataset(root, transforms)
    np.random.seed(4)
    item = ds._load(0, 1)
    assert item['gt_instances_ids'].tolist() == list(
        range(1, len(item['gt_instances_ids']) + 1))
    item['mix_results'] = [ds._load(1, 1)]  # clashing ids: refused
    with pytest.raises(ValueError, match='already used'):
        TwoViews(transforms)(item)


def test_packed_pairs_feed_the_track_preprocessor_and_qdtrack(data):
    root, _ = data
    _, transforms = _config_transforms()
    for t in transforms:
        if t['type'] == 'FilterViewInstances':
            t['keep_masks'] = False
    ds = _dataset(root, transforms, pack=True)
    batch = [s for _, s in _samples(ds, 2, seed=5)]
    for s in batch:
        assert s['inputs'].shape == (2, 3, H, W)
        sample = s['data_samples']
        assert sample.key_frames_inds == [0] and sample.ref_frames_inds == [1]
        key = sample.get_key_frames()[0]
        assert key.gt_instances.instances_ids.min() >= 1
        assert 'masks' not in key.gt_instances
        assert key.homography_matrix.shape == (3, 3)
    preprocessor = MODELS.build(dict(
        type='TrackDataPreprocessor', mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=32))
    data_out = preprocessor(pseudo_collate(batch), training=True)
    inputs, samples = data_out['inputs'], data_out['data_samples']
    assert inputs.shape == (2, 2, 3, 96, 128)
    from qdtrack.models.mot.qdtrack import QDTrack
    key_imgs, ref_imgs, keys, refs = QDTrack.split_frames(inputs, samples)
    assert key_imgs.shape == ref_imgs.shape == (2, 3, 96, 128)
    for s, key, ref in zip(batch, keys, refs):
        frames = s['data_samples'].video_data_samples
        assert torch.equal(key.gt_instances.instances_ids,
                           frames[0].gt_instances.instances_ids)
        assert torch.equal(ref.gt_instances.instances_ids,
                           frames[1].gt_instances.instances_ids)
        common = np.intersect1d(key.gt_instances.instances_ids.numpy(),
                                ref.gt_instances.instances_ids.numpy())
        assert common.size > 0


def test_shared_flip_config_mirrors_both_views_together(data):
    """The shared-flip ablation flips the image before ``TwoViews``: both
    views are mirrored or neither, and each view's boxes, warped back by
    its homography (which then starts from the flipped image), are the
    mirrored original boxes."""
    root, truth = data
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/masa/ablations/'
        'masa_toy_static_basic-aug_self-train_shared-flip_1000it.py'))
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)[:2]
    flip, views = pipeline
    assert flip['type'] == 'RandomFlip' and views['type'] == 'TwoViews'
    assert 'RandomFlip' not in [t['type'] for t in views['transforms']]
    for t in views['transforms']:
        for key in ('scale', 'crop_size', 'size'):
            if key in t:
                t[key] = (W, H)
    base = Config.fromfile(CONFIG)
    flips, checked = [], {}
    for prob in (1.0, 0.0):
        flip['prob'] = prob
        ds = StaticImagePairDataset(
            data_root=str(root), ann_file='proposals.json',
            data_prefix=dict(img_path=''), num_mix_images=0,
            load_pipeline=base.masa_load_pipeline,
            pipeline=copy.deepcopy([flip, views]), serialize_data=False)
        for _, s in _samples(ds, 6, seed=7):
            assert s['flip'] == [prob == 1.0] * 2
            flips.append(s['flip'][0])
            main = truth[osp.basename(s['img_path'][0])]
            for v in range(2):
                for k, view_box in zip(s['gt_instances_ids'][v],
                                       np.asarray(s['gt_bboxes'][v])):
                    if k == len(main) or min(view_box[2:] -
                                             view_box[:2]) < 20:
                        continue  # the whole-image instance; boxes cut small
                    x1, y1, x2, y2 = _project(
                        view_box, np.linalg.inv(s['homography_matrix'][v]))
                    if prob == 1.0:
                        x1, x2 = W - x2, W - x1
                    if _iou((x1, y1, x2, y2), main[k - 1][0]) > 0.9:
                        checked[prob] = checked.get(prob, 0) + 1
    assert set(flips) == {True, False}
    assert checked[1.0] > 10 and checked[0.0] > 10
