"""BDD100K scalabel loader, CocoVID converter, CLI and toy exporter."""
import json
import os
import os.path as osp
import runpy

import cv2
import numpy as np
import pytest

from qdtrack.datasets.bdd100k import (
    BDD100K_CLASSES,
    ScalabelFormatError,
    box2d_to_xywh,
    cocovid_from_bdd100k_images,
    convert_bdd100k_labels,
    load_scalabel_frames,
    scalabel_to_cocovid,
    xyxy_to_box2d,
)
from qdtrack.datasets.toy.export_bdd100k import export_cocovid_as_bdd100k

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _label(lid, category, box, crowd=False, **extra):
    x1, y1, x2, y2 = box
    lab = dict(id=lid, category=category,
               attributes=dict(occluded=False, truncated=False, crowd=crowd),
               box2d=dict(x1=x1, y1=y1, x2=x2, y2=y2))
    lab.update(extra)
    return lab


def _frame(video, index, labels):
    return dict(name=f'{video}-{index + 1:07d}.jpg', videoName=video,
                frameIndex=index, labels=labels)


def write_labels(folder):
    """Two videos; frames stored out of order; mapped and ignored names."""
    os.makedirs(folder, exist_ok=True)
    vid_b = [
        _frame('b', 1, [_label('1', 'car', (10, 10, 29, 19))]),
        _frame('b', 0, [_label('1', 'car', (8, 10, 27, 19)),
                        _label('7', 'van', (50, 50, 59.5, 69))]),
    ]
    vid_a = [
        _frame('a', 0, [
            _label('12', 'person', (0, 0, 9, 19)),
            _label('13', 'pedestrian', (30, 0, 39, 19), crowd=True),
            _label('14', 'other vehicle', (100, 100, 199, 149)),
            dict(id='15', category='drivable area', poly2d=[]),
        ]),
        _frame('a', 1, [_label('12', 'pedestrian', (2, 0, 11, 19))]),
        _frame('a', 2, []),
    ]
    for name, frames in (('b', vid_b), ('a', vid_a)):
        with open(osp.join(folder, f'{name}.json'), 'w') as f:
            json.dump(frames, f)
    return folder


def test_loader_maps_categories_and_flags(tmp_path):
    frames = load_scalabel_frames(write_labels(str(tmp_path / 'lab')),
                                  progress=False)
    assert [(f.video_name, f.frame_index) for f in frames] == [
        ('a', 0), ('a', 1), ('a', 2), ('b', 1), ('b', 0)]
    labels = {lab.id: lab for lab in frames[0].labels}
    assert set(labels) == {'12', '13', '14'}  # no box2d: left out
    assert (labels['12'].category, labels['12'].raw_category) == (
        'pedestrian', 'person')
    assert labels['13'].crowd and labels['13'].is_ignore
    assert labels['14'].category == 'car' and labels['14'].ignored
    assert not labels['12'].is_ignore
    assert frames[4].labels[1].category == 'car'  # van
    assert frames[4].labels[1].box == (50.0, 50.0, 59.5, 69.0)


def test_converter_to_cocovid(tmp_path):
    frames = load_scalabel_frames(write_labels(str(tmp_path / 'lab')),
                                  progress=False)
    coco = scalabel_to_cocovid(frames, 'val', progress=False)
    assert [c['name'] for c in coco['categories']] == list(BDD100K_CLASSES)
    assert [(v['id'], v['name']) for v in coco['videos']] == [(1, 'a'),
                                                            (2, 'b')]
    imgs = coco['images']
    assert [(i['video_id'], i['frame_id'], i['mot_frame_id'])
            for i in imgs] == [(1, 0, 1), (1, 1, 2), (1, 2, 3), (2, 0, 1),
                               (2, 1, 2)]
    assert imgs[3]['file_name'] == 'val/b/b-0000001.jpg'
    assert (imgs[0]['height'], imgs[0]['width']) == (720, 1280)
    anns = coco['annotations']
    by_img = {}
    for a in anns:
        by_img.setdefault(a['image_id'], []).append(a)
    person, crowd, other = by_img[1]
    assert person['bbox'] == [0.0, 0.0, 10.0, 20.0]  # x2 - x1 + 1
    assert person['area'] == 200.0
    assert (person['category_id'], person['iscrowd'], person['ignore']) == (
        1, 0, 0)
    assert (crowd['category_id'], crowd['iscrowd'], crowd['ignore']) == (
        1, 1, 1)
    assert (other['category_id'], other['iscrowd'], other['ignore']) == (
        3, 1, 1)
    # instance ids from 1, one per (video, label id): '1' of video b differs
    # from every id of video a
    assert [a['instance_id'] for a in anns] == [1, 2, 3, 1, 4, 5, 4]
    assert by_img[4][0]['bbox'] == [8.0, 10.0, 20.0, 10.0]
    assert by_img[4][1]['bbox'] == [50.0, 50.0, 10.5, 20.0]
    assert [a['id'] for a in anns] == list(range(1, 8))


def test_converted_file_loads_in_coco_video_dataset(tmp_path):
    from qdtrack.datasets import CocoVideoDataset
    lab = write_labels(str(tmp_path / 'lab'))
    out = str(tmp_path / 'ann' / 'val.json')
    stats = convert_bdd100k_labels(lab, out, 'val', progress=False)
    assert stats == dict(videos=2, images=5, annotations=7, instances=5,
                         ignore_regions=2)
    assert os.listdir(tmp_path / 'ann') == ['val.json']  # no temp file left
    ds = CocoVideoDataset(ann_file=out, metainfo=dict(classes=BDD100K_CLASSES),
                          data_prefix=dict(img_path='images/track/'),
                          lazy_init=False, test_mode=True, pipeline=[])
    video_a = ds.load_data_list()[0]
    assert video_a['video_name'] == 'a'
    first = video_a['images'][0]
    assert first['img_path'] == 'images/track/val/a/a-0000001.jpg'
    assert [(i['bbox'], i['instance_id'], i['ignore_flag'])
            for i in first['instances']] == [
                ([0.0, 0.0, 10.0, 20.0], 1, 0),
                ([30.0, 0.0, 40.0, 20.0], 2, 1),
                ([100.0, 100.0, 200.0, 150.0], 3, 1)]


@pytest.mark.parametrize('mutate, message', [
    (lambda fr: fr[0].pop('frameIndex'),
     r'a\.json: frame 0 \(a-0000001\.jpg\): "frameIndex" missing'),
    (lambda fr: fr[1]['labels'][0].update(category='traffic light'),
     r"a\.json: frame 1 \(a-0000002\.jpg\), label id '12': unknown "
     r"category 'traffic light'"),
    (lambda fr: fr[1]['labels'][0]['box2d'].update(x2=-5),
     r"frame 1 \(a-0000002\.jpg\), label id '12': \"box2d\" has x2 < x1"),
    (lambda fr: fr[1]['labels'][0]['box2d'].update(y1='top'),
     r"label id '12': \"box2d\" has a non-numeric value"),
    (lambda fr: fr[1]['labels'][0]['box2d'].update(y1=float('nan')),
     r"label id '12': \"box2d\" is not finite"),
    (lambda fr: fr[1]['labels'][0].pop('id'),
     r'a\.json: frame 1 \(a-0000002\.jpg\): a label has no "id"'),
    (lambda fr: fr[2].pop('videoName'),
     r'frame 2 \(a-0000003\.jpg\) has no "videoName"'),
    (lambda fr: fr[2].update(frameIndex=1),
     r'video a has two frames with frameIndex 1'),
])
def test_malformed_labels_name_file_frame_label(tmp_path, mutate, message):
    folder = write_labels(str(tmp_path / 'lab'))
    path = osp.join(folder, 'a.json')
    with open(path) as f:
        frames = json.load(f)
    mutate(frames)
    with open(path, 'w') as f:
        json.dump(frames, f)
    with pytest.raises(ScalabelFormatError, match=message):
        scalabel_to_cocovid(load_scalabel_frames(folder, progress=False),
                            'val', progress=False)


def test_invalid_json_and_missing_path(tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text('[{"name": ')
    with pytest.raises(ScalabelFormatError, match='bad.json: not valid JSON'):
        load_scalabel_frames(str(bad), progress=False)
    bad.write_text('{"frame": []}')
    with pytest.raises(ScalabelFormatError, match='expected a list'):
        load_scalabel_frames(str(bad), progress=False)
    with pytest.raises(FileNotFoundError, match='nowhere'):
        load_scalabel_frames(str(tmp_path / 'nowhere'), progress=False)


def test_box_conventions_round_trip():
    xywh = box2d_to_xywh((10, 20, 29, 59))
    assert xywh == [10.0, 20.0, 20.0, 40.0]
    x, y, w, h = xywh
    # a model trained on xyxy = (x, y, x + w, y + h) predicts those corners
    assert xyxy_to_box2d((x, y, x + w, y + h)) == dict(x1=10.0, y1=20.0,
                                                       x2=29.0, y2=59.0)


def test_cli_converts_labelled_and_image_only_splits(tmp_path, capsys):
    root = tmp_path / 'bdd'
    write_labels(str(root / 'labels' / 'box_track_20' / 'val'))
    for name in ('c-0000002.jpg', 'c-0000001.jpg', 'c-0000010.jpg'):
        path = root / 'images' / 'track' / 'test' / 'c' / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b'')
    cli = runpy.run_path(osp.join(ROOT, 'tools', 'convert_bdd100k.py'))
    assert cli['main']([str(root), '--splits', 'val', 'test',
                        '--no-progress']) == 0
    out = capsys.readouterr().out
    assert 'val: 2 videos, 5 images, 7 annotations' in out
    with open(root / 'annotations' / 'box_track_test_cocofmt.json') as f:
        test = json.load(f)
    assert test['annotations'] == []
    assert [(i['file_name'], i['frame_id'], i['mot_frame_id'])
            for i in test['images']] == [('test/c/c-0000001.jpg', 0, 1),
                                         ('test/c/c-0000002.jpg', 1, 2),
                                         ('test/c/c-0000010.jpg', 2, 10)]
    assert cli['main']([str(root), '--splits', 'train']) == 1


def test_image_only_split_rejects_unnumbered_names(tmp_path):
    (tmp_path / 'v').mkdir()
    (tmp_path / 'v' / 'frame.jpg').write_bytes(b'')
    with pytest.raises(ScalabelFormatError, match='frame.jpg: image name'):
        cocovid_from_bdd100k_images(str(tmp_path), 'test')


# ------------------------------------------------------------- exporter
def make_toy_cocovid(root):
    """A small CocoVID dataset with images, a crowd and an ignored box."""
    images, anns = [], []
    for video, name in ((1, 'TOY-01'), (2, 'TOY-02')):
        for t in (2, 0, 1):  # listed out of order
            file_name = f'val/{name}/img1/{t + 1:06d}.jpg'
            img = np.full((24, 32, 3), 40 * t + video, np.uint8)
            os.makedirs(osp.join(root, osp.dirname(file_name)), exist_ok=True)
            cv2.imwrite(osp.join(root, file_name), img)
            images.append(dict(id=len(images) + 1, video_id=video,
                               file_name=file_name, height=24, width=32,
                               frame_id=t))
            for cat, iid, bbox, crowd in (
                    (1, 1 + 10 * video, [1 + t, 2, 5, 9.5], 0),
                    (2, 2 + 10 * video, [10, 3, 8, 6], 0),
                    (1, 3 + 10 * video, [20, 10, 10, 10], 1),
                    (4, 4 + 10 * video, [0, 15, 6, 6], 0)):
                anns.append(dict(id=len(anns) + 1, image_id=images[-1]['id'],
                                 category_id=cat, instance_id=iid,
                                 bbox=bbox, area=bbox[2] * bbox[3],
                                 iscrowd=crowd, ignore=crowd))
    coco = dict(
        categories=[dict(id=1, name='pedestrian'), dict(id=2, name='car'),
                    dict(id=3, name='bicycle'),
                    dict(id=4, name='other vehicle')],
        videos=[dict(id=1, name='TOY-01'), dict(id=2, name='TOY-02')],
        images=images, annotations=anns)
    path = osp.join(root, 'cocovid.json')
    with open(path, 'w') as f:
        json.dump(coco, f)
    return path, coco


def test_export_writes_bdd100k_layout_and_round_trips(tmp_path):
    src = str(tmp_path / 'toy')
    ann_file, coco = make_toy_cocovid(src)
    out = str(tmp_path / 'bdd')
    paths = export_cocovid_as_bdd100k(ann_file, out, 'val', img_root=src,
                                      progress=False)
    assert paths['labels'] == osp.join(out, 'labels', 'box_track_20', 'val')
    assert sorted(os.listdir(paths['labels'])) == ['TOY-01.json',
                                                   'TOY-02.json']
    with open(osp.join(paths['labels'], 'TOY-01.json')) as f:
        frames = json.load(f)
    assert [(f['name'], f['frameIndex']) for f in frames] == [
        ('TOY-01-0000001.jpg', 0), ('TOY-01-0000002.jpg', 1),
        ('TOY-01-0000003.jpg', 2)]
    ped, car, crowd, other = frames[1]['labels']
    assert ped == dict(id='11', category='pedestrian',
                       attributes=dict(occluded=False, truncated=False,
                                       crowd=False),
                       box2d=dict(x1=2.0, y1=2.0, x2=6.0, y2=10.5))
    assert car['category'] == 'car' and crowd['attributes']['crowd']
    assert other['category'] == 'other vehicle'
    # the image of frame_id 1 of TOY-01 is copied byte for byte
    copied = osp.join(paths['images'], 'TOY-01', 'TOY-01-0000002.jpg')
    with open(copied, 'rb') as a, open(
            osp.join(src, 'val/TOY-01/img1/000002.jpg'), 'rb') as b:
        assert a.read() == b.read()
    # converting back gives the original boxes
    back = scalabel_to_cocovid(
        load_scalabel_frames(paths['labels'], progress=False), 'val',
        progress=False)
    assert sorted(tuple(a['bbox']) for a in back['annotations']) == sorted(
        tuple(float(v) for v in a['bbox']) for a in coco['annotations'])
    flags = sorted((a['category_id'], a['ignore'])
                   for a in back['annotations'])
    # 6 pedestrians + 6 crowd pedestrians, 6 cars + 6 ignored 'other vehicle'
    assert flags == [(1, 0)] * 6 + [(1, 1)] * 6 + [(3, 0)] * 6 + [(3, 1)] * 6


def test_export_needs_bdd_names_and_images(tmp_path):
    src = str(tmp_path / 'toy')
    ann_file, coco = make_toy_cocovid(src)
    coco['categories'][1]['name'] = 'vehicle'
    with open(ann_file, 'w') as f:
        json.dump(coco, f)
    with pytest.raises(ScalabelFormatError,
                       match=r"cocovid\.json: category 'vehicle' \(id 2\)"):
        export_cocovid_as_bdd100k(ann_file, str(tmp_path / 'o'), 'val',
                                  progress=False)
    paths = export_cocovid_as_bdd100k(ann_file, str(tmp_path / 'o'), 'val',
                                      category_map=dict(vehicle='truck'),
                                      progress=False)
    with open(osp.join(paths['labels'], 'TOY-02.json')) as f:
        assert json.load(f)[0]['labels'][1]['category'] == 'truck'
    os.remove(osp.join(src, 'val/TOY-02/img1/000003.jpg'))
    with pytest.raises(ScalabelFormatError,
                       match='image 4 of video TOY-02: file not found'):
        export_cocovid_as_bdd100k(ann_file, str(tmp_path / 'o2'), 'val',
                                  img_root=src,
                                  category_map=dict(vehicle='truck'),
                                  progress=False)


def _det_labels():
    """BDD100K detection labels (det_20 layout) of three images."""
    def lab(i, cat, box, crowd=False):
        x1, y1, x2, y2 = box
        return dict(id=str(i), category=cat,
                    attributes=dict(occluded=False, truncated=False,
                                    crowd=crowd),
                    box2d=dict(x1=x1, y1=y1, x2=x2, y2=y2))
    return [
        dict(name='a.jpg', labels=[
            lab(1, 'car', (10, 20, 109, 69)),
            lab(2, 'traffic light', (5, 5, 9, 19)),
            lab(3, 'person', (200, 100, 229, 179))]),
        dict(name='b.jpg', labels=None),
        dict(name='c.jpg', labels=[
            lab(4, 'other vehicle', (0, 0, 49, 29)),
            lab(5, 'pedestrian', (300, 300, 319, 359), crowd=True),
            lab(6, 'traffic sign', (1, 1, 4, 4)),
            lab(7, 'bicycle', (400, 400, 439, 459))]),
    ]


def test_detection_labels_become_still_images(tmp_path, capsys):
    from qdtrack.datasets import CocoVideoDataset
    from qdtrack.datasets.bdd100k import bdd100k_det_to_cocovid
    coco = bdd100k_det_to_cocovid(_det_labels(), 'train')
    assert [(i['id'], i['file_name']) for i in coco['images']] == [
        (1, 'train/a.jpg'), (2, 'train/b.jpg'), (3, 'train/c.jpg')]
    assert all('video_id' not in i for i in coco['images'])
    cats = {c['id']: c['name'] for c in coco['categories']}
    rows = [(a['image_id'], cats[a['category_id']], a['instance_id'],
             a['bbox'], a['ignore']) for a in coco['annotations']]
    # traffic lights / signs dropped; person -> pedestrian; other vehicle
    # and crowd boxes are ignore regions; each box its own instance
    assert rows == [(1, 'car', 1, [10, 20, 100, 50], 0),
                    (1, 'pedestrian', 2, [200, 100, 30, 80], 0),
                    (3, 'car', 3, [0, 0, 50, 30], 1),
                    (3, 'pedestrian', 4, [300, 300, 20, 60], 1),
                    (3, 'bicycle', 5, [400, 400, 40, 60], 0)]
    bad = _det_labels()
    bad[2]['labels'][0]['category'] = 'pothole'
    with pytest.raises(ScalabelFormatError,
                       match=r"det\.json: frame 2 \(c\.jpg\).*'pothole'"):
        bdd100k_det_to_cocovid(bad, 'train', source='det.json')

    # the CLI writes annotations/det_train_cocofmt.json; the dataset reads
    # every image as a one-frame video
    root = tmp_path / 'bdd'
    (root / 'labels' / 'det_20').mkdir(parents=True)
    (root / 'labels' / 'det_20' / 'det_train.json').write_text(
        json.dumps(_det_labels()))
    write_labels(str(root / 'labels' / 'box_track_20' / 'val'))
    cli = runpy.run_path(osp.join(ROOT, 'tools', 'convert_bdd100k.py'))
    assert cli['main']([str(root), '--splits', 'val', '--det-splits',
                        'train', '--no-progress']) == 0
    assert 'det train: 3 images, 5 annotations, 2 ignore_regions' in \
        capsys.readouterr().out
    ds = CocoVideoDataset(
        ann_file=str(root / 'annotations' / 'det_train_cocofmt.json'),
        metainfo=dict(classes=BDD100K_CLASSES),
        data_prefix=dict(img_path='images/100k/'), test_mode=True,
        pipeline=[])
    assert len(ds) == 3
    assert [ds.get_len_per_video(v) for v in range(3)] == [1, 1, 1]
    assert ds.get_data_info(2)['images'][0]['img_path'] == \
        'images/100k/train/c.jpg'
    assert cli['main']([str(root), '--splits', 'val', '--det-splits',
                        'val']) == 1
