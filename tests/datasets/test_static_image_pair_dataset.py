"""StaticImagePairDataset: reading, selection, id renumbering, configs."""
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from qdtrack.datasets import StaticImagePairDataset

ROOT = osp.dirname(osp.dirname(osp.dirname(__file__)))


def _write(tmp_path, data):
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(data))
    return str(path)


def _rle():
    return dict(size=[20, 30], counts='0')  # content not decoded here


def _data():
    images = [dict(id=1, file_name='a.jpg', height=20, width=30),
              dict(id=2, file_name='b.jpg', height=20, width=30),
              dict(id=3, file_name='c.jpg', height=20, width=30)]
    anns = [
        dict(id=1, image_id=1, bbox=[0, 0, 5, 5], score=0.2,
             segmentation=_rle()),
        dict(id=2, image_id=1, bbox=[5, 5, 5, 5], score=0.9,
             segmentation=_rle()),
        dict(id=3, image_id=1, bbox=[1, 1, 0.5, 5], score=0.8,
             segmentation=_rle()),  # thinner than min_size
        dict(id=4, image_id=2, bbox=[2, 2, 4, 4], score=0.5,
             segmentation=_rle()),
        dict(id=5, image_id=2, bbox=[6, 2, 4, 4], score=0.6),  # no mask
        dict(id=6, image_id=2, bbox=[6, 2, 4, 4], iscrowd=1),
    ]
    return dict(images=images, annotations=anns)


def _dataset(path, **kwargs):
    return StaticImagePairDataset(ann_file=path, data_prefix=dict(
        img_path='imgs'), pipeline=[], lazy_init=False, **kwargs)


def test_selection_masks_and_images_without_proposals(tmp_path):
    ds = _dataset(_write(tmp_path, _data()))
    assert len(ds) == 2  # c.jpg has no proposal
    a, b = ds.get_data_info(0), ds.get_data_info(1)
    assert a['img_path'] == osp.join('imgs', 'a.jpg')
    assert [i['bbox'] for i in a['instances']] == [[0, 0, 5, 5],
                                                    [5, 5, 10, 10]]
    assert all('mask' in i and i['bbox_label'] == 0 for i in a['instances'])
    # one annotation of b.jpg lacks a mask: the image goes without masks
    assert len(b['instances']) == 2
    assert not any('mask' in i for i in b['instances'])
    best = _dataset(_write(tmp_path, _data()), max_instances=1,
                    score_thr=0.55)
    assert len(best) == 2
    assert [i['bbox'] for i in best.get_data_info(0)['instances']] == [
        [5, 5, 10, 10]]
    assert [i['bbox'] for i in best.get_data_info(1)['instances']] == [
        [6, 2, 10, 6]]
    ds = _dataset(_write(tmp_path, _data()), with_mask=False)
    assert not any('mask' in i for i in ds.get_data_info(0)['instances'])


def test_area_weight_ranks_larger_boxes_first(tmp_path):
    data = _data()
    # image 1: score 0.3, 20 x 20 box against score 0.9, 5 x 5 box
    data['annotations'][0].update(bbox=[0, 0, 20, 20], score=0.3)
    path = _write(tmp_path, data)
    expected = {0.0: [5, 5, 10, 10],  # 0.3 < 0.9
                0.25: [5, 5, 10, 10],  # 0.3 * 20**0.5 = 1.34 < 2.01
                0.5: [0, 0, 20, 20]}  # 0.3 * 20 = 6.0 > 0.9 * 5 = 4.5
    for weight, box in expected.items():
        ds = _dataset(path, max_instances=1, area_weight=weight)
        assert ds.get_data_info(0)['instances'][0]['bbox'] == box, weight
    with pytest.raises(ValueError, match='area_weight'):
        _dataset(_write(tmp_path, data), area_weight=-1)


def test_ids_renumbered_per_item_and_mix_ids_after_them(tmp_path):
    data = _data()
    # a CocoVID file reusing track ids across frames: no clash in a pair
    for ann in data['annotations']:
        ann['instance_id'] = 1
    ds = _dataset(_write(tmp_path, data), with_mask=False)
    ds.load_pipeline = lambda info: dict(
        gt_instances_ids=np.array([i['instance_id']
                                   for i in info['instances']]),
        img_id=info['img_id'], img_path=info['img_path'])
    ds.pipeline = lambda results: results
    np.random.seed(0)
    out = ds.prepare_data(0)
    assert out['gt_instances_ids'].tolist() == [1, 2]
    mix = out['mix_results'][0]
    assert mix['img_id'] == 2 and mix['gt_instances_ids'].tolist() == [3, 4]
    assert out['mix_img_path'] == osp.join('imgs', 'b.jpg')
    alone = _dataset(_write(tmp_path, data), num_mix_images=0)
    alone.load_pipeline, alone.pipeline = ds.load_pipeline, ds.pipeline
    assert 'mix_results' not in alone.prepare_data(1)


def test_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='make_proposals'):
        _dataset(str(tmp_path / 'none.json'))
    bad = tmp_path / 'bad.json'
    bad.write_text('{"images": []}')
    with pytest.raises(ValueError, match='bad.json: missing list'):
        _dataset(str(bad))
    with pytest.raises(ValueError, match='num_mix_images'):
        _dataset(_write(tmp_path, _data()), num_mix_images=2)


def test_toy_and_bikes_configs():
    toy = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/datasets/masa_static_toy.py'))
    bikes = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/datasets/masa_static_bikes.py'))
    for cfg, root in ((toy, 'data/toy/'), (bikes, 'data/bikes/')):
        ds = cfg.train_dataloader.dataset
        assert ds.type == 'StaticImagePairDataset'
        assert ds.data_root == root
        assert ds.ann_file == 'annotations/masa_proposals_felzenszwalb.json'
        views = ds.pipeline[0]
        assert views.type == 'TwoViews'
        assert [t['type'] for t in views.transforms] == [
            'RandomAffineWithHomography', 'SharedImageMixUp',
            'YOLOXHSVRandomAug', 'RandomResize', 'RandomCrop', 'RandomFlip',
            'FilterViewInstances', 'Pad']
        resize = views.transforms[3]
        assert resize.ratio_range == (0.1, 2.0)
        assert resize.scale == (320, 240)
        # validation stays the toy videos
        assert cfg.val_dataloader.dataset.ann_file == \
            'annotations/val_cocoformat.json'
