"""CocoVideoDataset: frame order, instance id 0, names, errors, public dets."""
import json

import numpy as np
import pytest

from qdtrack.datasets import CocoVideoDataset
from qdtrack.datasets.coco_video_dataset import AnnotationError


def _write(tmp_path, data, name='ann.json'):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def _video_json():
    # Image ids deliberately out of frame order; instance ids 0 and 7.
    images = [
        dict(id=30, video_id=5, file_name='v/3.jpg', height=40, width=60,
             frame_id=2),
        dict(id=10, video_id=5, file_name='v/1.jpg', height=40, width=60,
             frame_id=0),
        dict(id=20, video_id=5, file_name='v/2.jpg', height=40, width=60,
             frame_id=1),
    ]
    anns = []
    for k, img in enumerate(images):
        anns.append(dict(id=100 + k, image_id=img['id'], category_id=1,
                         instance_id=0, bbox=[1, 2, 10, 20], area=200))
        anns.append(dict(id=200 + k, image_id=img['id'], category_id=2,
                         instance_id=7, bbox=[30, 5, 12, 8], area=96))
    anns.append(dict(id=300, image_id=10, category_id=1, instance_id=9,
                     bbox=[40, 10, 5, 5], area=25, iscrowd=1))
    return dict(
        categories=[dict(id=1, name='pedestrian'), dict(id=2, name='car')],
        videos=[dict(id=5, name='SEQ-A')],
        images=images,
        annotations=anns)


def _dataset(ann_file, **kwargs):
    return CocoVideoDataset(
        ann_file=ann_file,
        metainfo=dict(classes=('pedestrian', 'car')),
        data_prefix=dict(img_path='root'),
        test_mode=True,
        pipeline=[],
        lazy_init=False,
        **kwargs)


def test_frames_ordered_by_frame_id_and_instance_id_zero_kept(tmp_path):
    ds = _dataset(_write(tmp_path, _video_json()))
    video = ds.get_data_info(0)
    assert video['video_name'] == 'SEQ-A'
    assert video['video_length'] == 3
    assert [f['img_id'] for f in video['images']] == [10, 20, 30]
    assert [f['mot_frame_id'] for f in video['images']] == [1, 2, 3]
    first = video['images'][0]
    assert first['img_path'] == 'root/v/1.jpg'
    ids = [(i['instance_id'], i['bbox_label'], i['ignore_flag'])
           for i in first['instances']]
    assert ids == [(0, 0, 0), (7, 1, 0), (9, 0, 1)]
    assert first['instances'][0]['bbox'] == [1, 2, 11, 22]


def test_duplicate_annotation_ids_named(tmp_path):
    data = _video_json()
    data['annotations'][1]['id'] = data['annotations'][0]['id']
    path = _write(tmp_path, data)
    with pytest.raises(AnnotationError, match='ann.json.*not unique'):
        _dataset(path)


def test_missing_field_names_record(tmp_path):
    data = _video_json()
    del data['annotations'][2]['bbox']
    with pytest.raises(AnnotationError,
                       match=r'annotations\[2\] \(id 101\) lacks bbox'):
        _dataset(_write(tmp_path, data))


def test_unknown_class_and_bad_json(tmp_path):
    with pytest.raises(AnnotationError, match='not among its categories'):
        CocoVideoDataset(ann_file=_write(tmp_path, _video_json()),
                         metainfo=dict(classes=('truck', )),
                         test_mode=True, pipeline=[])
    bad = tmp_path / 'bad.json'
    bad.write_text('{"images": [')
    with pytest.raises(AnnotationError, match='bad.json: not valid JSON'):
        _dataset(str(bad))
    with pytest.raises(FileNotFoundError, match='nowhere.json'):
        _dataset(str(tmp_path / 'nowhere.json'))


def test_repeated_frame_id_rejected(tmp_path):
    data = _video_json()
    data['images'][0]['frame_id'] = 0
    with pytest.raises(AnnotationError, match='SEQ-A.*repeated frame_id'):
        _dataset(_write(tmp_path, data))


def test_public_detections_attached_per_frame(tmp_path):
    det_dir = tmp_path / 'SEQ-A' / 'det'
    det_dir.mkdir(parents=True)
    (det_dir / 'det.txt').write_text(
        '1,-1,5,6,10,20,0.9,-1,-1,-1\n'
        '3,-1,1,2,3,4,0.2,-1,-1,-1\n'
        '3,-1,7,8,2,2,0.6,-1,-1,-1\n')
    ds = _dataset(_write(tmp_path, _video_json()),
                  data_root=str(tmp_path),
                  public_det_file='{video}/det/det.txt',
                  public_det_score_thr=0.5)
    frames = ds.get_data_info(0)['images']
    np.testing.assert_allclose(frames[0]['public_detections'],
                               [[5, 6, 15, 26, 0.9]])
    assert frames[1]['public_detections'].shape == (0, 5)
    np.testing.assert_allclose(frames[2]['public_detections'],
                               [[7, 8, 9, 10, 0.6]], rtol=1e-6)


# The boxes of the det.txt above as COCO results (image ids 10, 20, 30 are
# frames 1, 2, 3), plus a box of category 2 on frame 1.
COCO_DETS = [
    dict(image_id=10, category_id=1, bbox=[5, 6, 10, 20], score=0.9),
    dict(image_id=30, category_id=1, bbox=[1, 2, 3, 4], score=0.2),
    dict(image_id=30, category_id=1, bbox=[7, 8, 2, 2], score=0.6),
    dict(image_id=10, category_id=2, bbox=[0, 0, 4, 4], score=0.8),
]


def test_coco_results_attach_like_det_txt(tmp_path):
    det_file = _write(tmp_path, COCO_DETS, 'dets.bbox.json')
    ds = _dataset(_write(tmp_path, _video_json()),
                  public_det_file=det_file, public_det_score_thr=0.5,
                  public_det_cat_ids=[1])
    frames = ds.get_data_info(0)['images']
    # the same arrays as from the det.txt of the test above
    np.testing.assert_allclose(frames[0]['public_detections'],
                               [[5, 6, 15, 26, 0.9]])
    assert frames[0]['public_detections'].dtype == np.float32
    assert frames[1]['public_detections'].shape == (0, 5)
    np.testing.assert_allclose(frames[2]['public_detections'],
                               [[7, 8, 9, 10, 0.6]], rtol=1e-6)
    # without the category filter the car box joins frame 1, in file order
    ds = _dataset(_write(tmp_path, _video_json()),
                  public_det_file=det_file)
    frames = ds.get_data_info(0)['images']
    np.testing.assert_allclose(frames[0]['public_detections'],
                               [[5, 6, 15, 26, 0.9], [0, 0, 4, 4, 0.8]])
    np.testing.assert_allclose(
        frames[2]['public_detections'],
        [[1, 2, 4, 6, 0.2], [7, 8, 9, 10, 0.6]], rtol=1e-6)


def test_coco_results_file_read_once_for_all_videos(tmp_path, monkeypatch):
    from qdtrack.datasets import coco_results
    data = _video_json()
    # a second video (frames 40, 50) sharing the results file
    data['videos'].append(dict(id=6, name='SEQ-B'))
    for k, image_id in enumerate((40, 50)):
        data['images'].append(dict(id=image_id, video_id=6,
                                   file_name=f'w/{k}.jpg', height=40,
                                   width=60, frame_id=k))
    dets = COCO_DETS + [dict(image_id=50, category_id=1,
                             bbox=[1, 1, 2, 2], score=0.7)]
    calls = []
    read = coco_results.read_coco_det
    monkeypatch.setattr(coco_results, 'read_coco_det',
                        lambda path: (calls.append(path), read(path))[1])
    ds = _dataset(_write(tmp_path, data),
                  public_det_file=_write(tmp_path, dets, 'all.json'))
    assert len(calls) == 1
    seq_b = ds.get_data_info(1)['images']
    assert seq_b[0]['public_detections'].shape == (0, 5)
    np.testing.assert_allclose(seq_b[1]['public_detections'],
                               [[1, 1, 3, 3, 0.7]], rtol=1e-6)


def test_given_box_files_errors(tmp_path):
    ann = _write(tmp_path, _video_json())
    # results of another annotation file
    other = COCO_DETS + [dict(image_id=99, category_id=1, bbox=[1, 1, 2, 2],
                              score=0.5)]
    with pytest.raises(AnnotationError,
                       match=r'other.json: image_id 99 is not an image of'):
        _dataset(ann, public_det_file=_write(tmp_path, other, 'other.json'))
    with pytest.raises(ValueError, match=r'dets.csv: .*det.txt \(.txt\) or '
                       r'COCO detection results \(.json\), got ".csv"'):
        _dataset(ann, public_det_file=str(tmp_path / 'dets.csv'))
    (tmp_path / 'det.txt').write_text('1,-1,5,6,10,20,0.9,-1,-1,-1\n')
    with pytest.raises(ValueError, match='det.txt: public_det_cat_ids '
                       'needs COCO results'):
        _dataset(ann, public_det_file=str(tmp_path / 'det.txt'),
                 public_det_cat_ids=[1])
    bad = [dict(COCO_DETS[0]), dict(COCO_DETS[1], bbox=[1, 2, 0, 4])]
    with pytest.raises(AnnotationError, match=r'bad.json: record 1: bbox '
                       r'\[1, 2, 0, 4\] must have width and height > 0'):
        _dataset(ann, public_det_file=_write(tmp_path, bad, 'bad.json'))


def test_coco_results_labels_through_the_dataset_classes(tmp_path):
    ann = _write(tmp_path, _video_json())
    # classes in another order than the category ids: car is class 0
    dets = COCO_DETS + [dict(image_id=10, category_id=3, bbox=[2, 2, 4, 4],
                             score=0.7)]
    det_file = _write(tmp_path, dets, 'dets.json')
    kwargs = dict(public_det_file=det_file, public_det_labels=True)
    # category 3 is not a class of the dataset
    with pytest.raises(AnnotationError, match=r'dets.json: category_id '
                       r'\[3\] of given boxes are not classes of .*ann.json'):
        _dataset(ann, **kwargs)
    ds = CocoVideoDataset(
        ann_file=ann, metainfo=dict(classes=('car', 'pedestrian')),
        test_mode=True, pipeline=[], public_det_cat_ids='dataset', **kwargs)
    frames = ds.get_data_info(0)['images']
    np.testing.assert_allclose(frames[0]['public_detections'],
                               [[5, 6, 15, 26, 0.9], [0, 0, 4, 4, 0.8]])
    assert frames[0]['public_det_labels'].tolist() == [1, 0]
    assert frames[1]['public_det_labels'].shape == (0, )
    assert frames[2]['public_det_labels'].tolist() == [1, 1]
    # no labels unless asked for
    ds = _dataset(ann, public_det_file=det_file, public_det_cat_ids=[1, 2])
    assert 'public_det_labels' not in ds.get_data_info(0)['images'][0]
    (tmp_path / 'det.txt').write_text('1,-1,5,6,10,20,0.9,-1,-1,-1\n')
    with pytest.raises(ValueError, match='det.txt: public_det_labels needs '
                       'COCO results'):
        _dataset(ann, public_det_file=str(tmp_path / 'det.txt'),
                 public_det_labels=True)
    with pytest.raises(ValueError, match="'dataset'"):
        _dataset(ann, public_det_cat_ids='all')


def test_train_mode_filters_frames_without_annotations(tmp_path):
    data = _video_json()
    data['annotations'] = [a for a in data['annotations']
                           if a['image_id'] != 20]
    ds = CocoVideoDataset(
        ann_file=_write(tmp_path, data),
        metainfo=dict(classes=('pedestrian', 'car')),
        pipeline=[],
        filter_cfg=dict(filter_empty_gt=True, min_size=8))
    video = ds.get_data_info(0)
    assert [f['img_id'] for f in video['images']] == [10, 30]
    assert video['video_length'] == 2


def test_image_without_video_id_in_a_video_file_is_named(tmp_path):
    data = _video_json()
    del data['images'][2]['video_id']  # image 20, v/2.jpg
    with pytest.raises(AnnotationError,
                       match=r'ann\.json: images\[2\] \(id 20, v/2\.jpg\) has '
                       r'no "video_id" although the file has "videos"'):
        _dataset(_write(tmp_path, data))
    data['images'][2]['video_id'] = 6
    with pytest.raises(AnnotationError,
                       match=r'images\[2\] \(id 20, v/2\.jpg\) has video_id '
                       r'6, which is not among the ids of "videos"'):
        _dataset(_write(tmp_path, data))


def test_still_images_without_videos_stay_one_frame_videos(tmp_path):
    data = _video_json()
    del data['videos']
    for img in data['images']:
        del img['video_id']
    ds = _dataset(_write(tmp_path, data))
    assert len(ds) == 3
    assert [ds.get_data_info(i)['video_length'] for i in range(3)] == [1] * 3


def test_category_id_outside_categories_is_named(tmp_path):
    data = _video_json()
    # ids shifted by one: the car annotations say 3
    for ann in data['annotations']:
        if ann['category_id'] == 2:
            ann['category_id'] = 3
    with pytest.raises(AnnotationError,
                       match=r'annotations\[1\] \(id 200, image 30\) has '
                       r'category_id 3, which is not among the ids of '
                       r'"categories" \[1, 2\]'):
        _dataset(_write(tmp_path, data))


def test_annotation_of_unknown_image_is_named(tmp_path):
    data = _video_json()
    data['annotations'][0]['image_id'] = 99
    with pytest.raises(AnnotationError,
                       match=r'annotations\[0\] \(id 100\) refers to image_id'
                       r' 99, which is not in "images"'):
        _dataset(_write(tmp_path, data))


def test_empty_det_file_warns_with_its_path(tmp_path):
    det = tmp_path / 'SEQ-A' / 'det' / 'det.txt'
    det.parent.mkdir(parents=True)
    det.write_text('')
    with pytest.warns(UserWarning,
                      match=r'SEQ-A/det/det\.txt: empty detection file; video '
                      r'SEQ-A gets no public detections'):
        ds = _dataset(_write(tmp_path, _video_json()),
                      data_root=str(tmp_path),
                      public_det_file='{video}/det/det.txt')
    frames = ds.get_data_info(0)['images']
    assert [f['public_detections'].shape for f in frames] == [(0, 5)] * 3


def _same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def test_test_frames_read_once_per_video_as_mmdet_gives_them(
        tmp_path, monkeypatch):
    """Each (video, frame) item equals mmdet's, with one read of the video
    record per video instead of one per frame."""
    from mmdet.datasets import BaseVideoDataset

    from qdtrack.datasets.toy import generate_toy_benchmark
    generate_toy_benchmark(tmp_path, seed=1, num_train=0, num_val=2,
                           num_frames=12, progress=False)
    ds = CocoVideoDataset(
        data_root=str(tmp_path), ann_file='annotations/val_cocoformat.json',
        metainfo=dict(classes=('pedestrian', 'car', 'bicycle')),
        data_prefix=dict(img_path=''),
        public_det_file='val/{video}/det/det.txt', test_mode=True,
        pipeline=[])
    reads = []
    get_data_info = CocoVideoDataset.get_data_info
    monkeypatch.setattr(
        CocoVideoDataset, 'get_data_info',
        lambda self, i: reads.append(i) or get_data_info(self, i))
    pairs = [(v, f) for v in range(2) for f in range(12)]
    ours = [ds[p] for p in pairs]
    assert reads == [0, 1]
    reads.clear()
    for pair, item in zip(pairs, ours):
        _same(dict(item), dict(BaseVideoDataset.prepare_data(ds, pair)))
    assert len(reads) == 24  # mmdet: the whole video for every frame
    assert ours[5]['frame_id'] == [5] and ours[5]['video_length'] == [1]
    assert ours[5]['ori_video_length'] == [12]
    assert len(ours[5]['public_detections'][0]) > 0
    # items are copies: changing one leaves the kept record as it was
    ours[0]['instances'][0][0]['bbox'][0] = -1.0
    ours[0]['public_detections'][0][:] = -1
    again = ds[(0, 0)]
    assert again['instances'][0][0]['bbox'][0] != -1.0
    assert (again['public_detections'][0] != -1).any()
