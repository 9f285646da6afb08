"""Video wrappers (concatenation, class balancing) and the frame sampler."""
import json
import math

import pytest
from mmengine.registry import init_default_scope

from qdtrack.datasets import (
    ClassBalancedVideoDataset,
    CocoVideoDataset,
    TrackImgSampler,
    VideoConcatDataset,
)

CLASSES = ('pedestrian', 'car')
PED, CAR = [1, 1, 10, 20], [30, 5, 12, 8]


def _write(tmp_path, name, images, boxes):
    """CocoVID with ``boxes[image index] = [(category, bbox), ...]``."""
    anns = []
    for k, img in enumerate(images):
        for cat, box in boxes.get(k, []):
            anns.append(dict(id=len(anns) + 1, image_id=img['id'],
                             category_id=cat, instance_id=len(anns) + 1,
                             bbox=box, area=box[2] * box[3]))
    data = dict(categories=[dict(id=1, name='pedestrian'),
                            dict(id=2, name='car')],
                # still images (no video_id) come in files without videos,
                # as convert_bdd100k_det_labels writes them
                videos=[dict(id=1, name='A'), dict(id=2, name='B')]
                if any('video_id' in img for img in images) else [],
                images=images, annotations=anns)
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def _img(img_id, video_id=None, frame_id=None):
    out = dict(id=img_id, file_name=f'{img_id}.jpg', height=40, width=60)
    if video_id is not None:
        out.update(video_id=video_id, frame_id=frame_id)
    return out


def _videos(tmp_path, name='videos.json'):
    # A: 3 frames of pedestrians; B: a pedestrian + a car, then a
    # pedestrian
    images = [_img(1, 1, 0), _img(2, 1, 1), _img(3, 1, 2), _img(4, 2, 0),
              _img(5, 2, 1)]
    boxes = {0: [(1, PED)], 1: [(1, PED)], 2: [(1, PED)],
             3: [(1, PED), (2, CAR)], 4: [(1, PED)]}
    return _write(tmp_path, name, images, boxes)


def _stills(tmp_path):
    # two images without video: one-frame videos
    return _write(tmp_path, 'stills.json', [_img(11), _img(12)],
                  {0: [(2, CAR)], 1: [(1, PED), (2, CAR)]})


def _cfg(ann_file):
    return dict(type='CocoVideoDataset', ann_file=ann_file,
                metainfo=dict(classes=CLASSES), pipeline=[],
                lazy_init=False)


def test_concat_numbers_videos_across_datasets(tmp_path):
    init_default_scope('qdtrack')
    ds = VideoConcatDataset([_cfg(_videos(tmp_path)),
                             _cfg(_stills(tmp_path))])
    assert len(ds) == 4  # 2 videos + 2 one-frame videos
    assert [ds.get_len_per_video(v) for v in range(4)] == [3, 2, 1, 1]
    assert ds.locate(2) == (1, 0) and ds.locate(1) == (0, 1)
    assert ds.frame_indices() == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1),
                                  (2, 0), (3, 0)]
    # the still images keep their boxes, each its own instance
    still = ds.get_data_info(3)['images'][0]
    assert [i['bbox_label'] for i in still['instances']] == [0, 1]
    assert len({i['instance_id'] for i in still['instances']}) == 2
    with pytest.raises(IndexError, match='video index 4'):
        ds.locate(4)


def test_concat_item_of_a_still_image_is_a_key_reference_pair(tmp_path):
    init_default_scope('qdtrack')
    pipeline = [dict(type='UniformRefFrameSample', num_ref_imgs=1,
                     frame_range=3, filter_key_img=True)]
    videos = dict(_cfg(_videos(tmp_path)), pipeline=pipeline)
    stills = dict(_cfg(_stills(tmp_path)), pipeline=pipeline)
    ds = VideoConcatDataset([videos, stills])
    item = ds[(3, 0)]  # second still image
    assert item['img_id'] == [12, 12]  # reference = key
    assert item['key_frame_flags'] == [True, False]
    item = ds[(0, 1)]
    assert item['img_id'][item['key_frame_flags'].index(True)] == 2
    assert set(item['img_id']) <= {1, 2, 3} and len(set(item['img_id'])) == 2


def test_class_balanced_repeat_factors(tmp_path):
    ds = ClassBalancedVideoDataset(
        CocoVideoDataset(ann_file=_videos(tmp_path),
                         metainfo=dict(classes=CLASSES), pipeline=[]),
        oversample_thr=0.5)
    # 5 frames: pedestrian in 5 (r = 1), car in 1: r = sqrt(0.5 / 0.2)
    factors = dict(ds.repeat_factors())
    assert factors[(1, 0)] == pytest.approx(math.sqrt(2.5))
    assert all(factors[k] == 1.0 for k in factors if k != (1, 0))
    assert ds.frame_indices() == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 0),
                                  (1, 1)]
    # a threshold below every frequency repeats nothing
    low = ClassBalancedVideoDataset(ds.dataset, oversample_thr=1e-3)
    assert low.frame_indices() == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert len(ds) == 2 and ds.get_len_per_video(1) == 2
    with pytest.raises(ValueError, match='oversample_thr'):
        ClassBalancedVideoDataset(ds.dataset, oversample_thr=0)


def test_sampler_covers_the_wrapper_frames(tmp_path):
    ds = ClassBalancedVideoDataset(
        CocoVideoDataset(ann_file=_videos(tmp_path),
                         metainfo=dict(classes=CLASSES), pipeline=[]),
        oversample_thr=0.5)
    sampler = TrackImgSampler(ds, seed=3)
    first = list(sampler)
    assert sorted(first) == sorted(ds.frame_indices()) and len(sampler) == 6
    sampler.set_epoch(1)
    assert sorted(list(sampler)) == sorted(first)
    # a plain video dataset still goes through mmdet's sampler
    plain = TrackImgSampler(ds.dataset, seed=3)
    assert sorted(list(plain)) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
