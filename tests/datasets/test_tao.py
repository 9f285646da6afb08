"""TAO JSON <-> CocoVID conversion, the toy exporter, the CLI and
TAODataset, on a small hand-made TAO file."""
import copy
import importlib.util
import json
import os.path as osp

import pytest

from qdtrack.datasets.tao import (
    AnnotationError,
    TAODataset,
    category_merge_map,
    cocovid_to_tao,
    is_tao_format,
    load_tao,
    tao_to_cocovid,
    tao_track_vocabulary,
)
from qdtrack.datasets.toy.export_tao import (
    export_cocovid_as_tao,
    lvis_frequency,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def tao_json():
    """Two videos; image ids out of frame order; track ids 0, 3, 7; an
    unlabelled frame (image 11); car id 5 merged into 2."""
    return dict(
        videos=[
            dict(id=1, name='val/YFCC100M/v_a', width=640, height=480,
                 neg_category_ids=[3], not_exhaustive_category_ids=[2],
                 metadata=dict(dataset='YFCC100M')),
            dict(id=2, name='val/LaSOT/v_b', width=320, height=240,
                 neg_category_ids=[], not_exhaustive_category_ids=[]),
        ],
        images=[
            dict(id=12, video_id=1, frame_index=60, width=640, height=480,
                 file_name='val/YFCC100M/v_a/frame0061.jpg'),
            dict(id=10, video_id=1, frame_index=0, width=640, height=480,
                 file_name='val/YFCC100M/v_a/frame0001.jpg'),
            dict(id=11, video_id=1, frame_index=30, width=640, height=480,
                 file_name='val/YFCC100M/v_a/frame0031.jpg'),
            dict(id=20, video_id=2, frame_index=15, width=320, height=240,
                 file_name='val/LaSOT/v_b/frame0016.jpg'),
            dict(id=21, video_id=2, frame_index=45, width=320, height=240,
                 file_name='val/LaSOT/v_b/frame0046.jpg'),
        ],
        tracks=[
            dict(id=0, category_id=1, video_id=1),
            dict(id=7, category_id=5, video_id=1),
            dict(id=3, category_id=1, video_id=2),
        ],
        annotations=[
            dict(id=1, image_id=12, video_id=1, track_id=0, category_id=1,
                 bbox=[10, 10, 20, 40], iscrowd=0),
            dict(id=2, image_id=10, video_id=1, track_id=0, category_id=1,
                 bbox=[12, 10, 20, 40], iscrowd=0),
            dict(id=3, image_id=10, video_id=1, track_id=7, category_id=5,
                 bbox=[100, 50, 60, 30], iscrowd=0),
            dict(id=4, image_id=20, video_id=2, track_id=3, category_id=1,
                 bbox=[1, 2, 3, 4], iscrowd=0),
            dict(id=5, image_id=21, video_id=2, track_id=3, category_id=1,
                 bbox=[2, 2, 3, 4], iscrowd=0),
        ],
        categories=[
            dict(id=1, name='person', synset='person.n.01', frequency='f'),
            dict(id=2, name='car_(automobile)', synset='car.n.01',
                 frequency='f', merged=[dict(id=5, name='automobile')]),
            dict(id=3, name='bicycle', synset='bicycle.n.01', frequency='f'),
        ])


def toy_cocovid():
    """Toy-like CocoVID: pedestrian / car / bicycle, an empty frame and an
    ignored box."""
    ped, car, bike = [0, 0, 10, 20], [50, 50, 30, 15], [90, 10, 12, 12]
    frames = {
        1: [[(1, 1, ped), (2, 2, car)], [], [(1, 1, ped), (2, 2, car)]],
        2: [[(3, 3, bike), (1, 1, ped)], [(3, 3, bike)]],
    }
    out = dict(
        categories=[dict(id=1, name='pedestrian'), dict(id=2, name='car'),
                    dict(id=3, name='bicycle')],
        videos=[dict(id=1, name='TOY-01', fps=10, width=320, height=240),
                dict(id=2, name='TOY-02', fps=10, width=320, height=240)],
        images=[], annotations=[])
    for vid, video_frames in frames.items():
        for t, boxes in enumerate(video_frames):
            img_id = len(out['images']) + 1
            out['images'].append(dict(
                id=img_id, video_id=vid, frame_id=t, mot_frame_id=t + 1,
                file_name=f'val/TOY-0{vid}/img1/{t + 1:06d}.jpg',
                width=320, height=240))
            for iid, cat, box in boxes:
                iid = iid if vid == 1 or iid != 1 else 4
                out['annotations'].append(dict(
                    id=len(out['annotations']) + 1, image_id=img_id,
                    category_id=cat, instance_id=iid, bbox=box,
                    area=box[2] * box[3], iscrowd=0))
    out['annotations'].append(dict(
        id=99, image_id=1, category_id=1, instance_id=9,
        bbox=[200, 100, 10, 10], area=100, iscrowd=0, ignore=1))
    return out


def test_tao_to_cocovid():
    coco = tao_to_cocovid(tao_json())
    assert [i['id'] for i in coco['images']] == [10, 11, 12, 20, 21]
    assert [i['frame_id'] for i in coco['images']] == [0, 1, 2, 0, 1]
    assert [i['tao_frame_index']
            for i in coco['images']] == [0, 30, 60, 15, 45]
    assert [a['id'] for a in coco['annotations']] == [2, 3, 1, 4, 5]
    # track ids 0, 3, 7 -> 1, 2, 3; merged car id 5 -> 2
    assert [a['instance_id'] for a in coco['annotations']] == [1, 3, 1, 2, 2]
    assert [a['category_id'] for a in coco['annotations']] == [1, 2, 1, 1, 1]
    assert coco['annotations'][0]['area'] == 800.0
    v1, v2 = coco['videos']
    assert v1['neg_category_ids'] == [3]
    assert v1['not_exhaustive_category_ids'] == [2]
    assert v1['metadata'] == dict(dataset='YFCC100M')
    assert v2['neg_category_ids'] == [] and v2['name'] == 'val/LaSOT/v_b'
    assert coco['categories'][1]['merged'][0]['id'] == 5
    assert category_merge_map(coco['categories']) == {5: 2}
    assert is_tao_format(tao_json()) and not is_tao_format(coco)


def test_round_trip_through_tao():
    coco = tao_to_cocovid(tao_json())
    tao = cocovid_to_tao(coco)
    assert [i['frame_index'] for i in tao['images']] == [0, 30, 60, 15, 45]
    assert tao['images'][0]['video'] == 'val/YFCC100M/v_a'
    assert sorted(
        (t['id'], t['category_id'], t['video_id']) for t in tao['tracks']
    ) == [(1, 1, 1), (2, 1, 2), (3, 2, 1)]
    assert all(a['video_id'] in (1, 2) for a in tao['annotations'])
    assert tao_to_cocovid(tao) == coco


@pytest.mark.parametrize('mutate, message', [
    (lambda d: d['images'][0].pop('frame_index'),
     r'images\[0\] \(id 12\) lacks frame_index'),
    (lambda d: d['annotations'][0].update(image_id=99),
     r'annotations\[0\] \(id 1\): unknown image_id 99'),
    (lambda d: d['annotations'][0].update(category_id=42),
     'unknown category_id 42'),
    (lambda d: d['annotations'][1].update(category_id=3),
     r'track 0 has category/video \(3, 1\), but the "tracks" section'),
    (lambda d: (d.pop('tracks'), d['annotations'][1].update(category_id=3)),
     'track 0 changes category or video'),
    (lambda d: d['annotations'].append(dict(d['annotations'][0], id=9)),
     'track 0 has two boxes in image 12'),
    (lambda d: d['images'][2].update(frame_index=60),
     'repeats frame_index 60'),
    (lambda d: d['annotations'][0].update(bbox=[1, 2, 3]),
     r'bbox must be \[x, y, w, h\]'),
    (lambda d: d['annotations'][0].update(bbox=[1, 2, -3, 4]),
     'negative size'),
    (lambda d: d['annotations'][0].update(bbox=[1, 2, float('nan'), 4]),
     'not finite'),
    (lambda d: d['videos'][0].update(neg_category_ids=3),
     'neg_category_ids: expected a list of category ids'),
    (lambda d: d['annotations'][1].update(id=1), r'annotations\[1\] repeats'),
    (lambda d: d['images'][0].update(video_id=5), 'unknown video_id 5'),
    (lambda d: d['annotations'][0].update(video_id=2),
     'video_id 2 differs from the video 1 of image 12'),
    (lambda d: d.pop('categories'), 'missing list "categories"'),
])
def test_malformed_tao_is_named(tmp_path, mutate, message):
    data = tao_json()
    mutate(data)
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(data))
    with pytest.raises(AnnotationError, match=message) as err:
        load_tao(str(path))
    assert str(path) in str(err.value)


def test_unreadable_files(tmp_path):
    bad = tmp_path / 'broken.json'
    bad.write_text('{"videos": [')
    with pytest.raises(AnnotationError, match='broken.json: not valid JSON'):
        load_tao(str(bad))
    with pytest.raises(FileNotFoundError, match='nope.json'):
        load_tao(str(tmp_path / 'nope.json'))


def test_lvis_frequency_bins():
    assert [lvis_frequency(n) for n in (0, 10, 11, 100, 101)] == [
        'r', 'r', 'c', 'c', 'f'
    ]


def test_export_toy_cocovid(tmp_path):
    out_file = tmp_path / 'ann' / 'val_tao.json'
    tao = export_cocovid_as_tao(toy_cocovid(), str(out_file))
    assert json.loads(out_file.read_text()) == tao
    cats = {c['name']: c for c in tao['categories']}
    assert cats['pedestrian']['synset'] == 'person.n.01'
    assert cats['car']['synset'] == 'car.n.01'
    assert cats['bicycle']['synset'] == 'bicycle.n.01'
    assert [cats[n]['image_count']
            for n in ('pedestrian', 'car', 'bicycle')] == [3, 2, 2]
    assert cats['pedestrian']['instance_count'] == 3  # ignored box dropped
    assert {c['frequency'] for c in tao['categories']} == {'r'}
    # absent categories are negative; the rarest one of the first labelled
    # video is not exhaustive
    assert [v['neg_category_ids'] for v in tao['videos']] == [[3], [2]]
    assert [v['not_exhaustive_category_ids']
            for v in tao['videos']] == [[1], []]
    assert len(tao['annotations']) == 7
    assert {t['id'] for t in tao['tracks']} == {1, 2, 3, 4}
    # readable by our loader, with the same boxes per frame
    back = load_tao(str(out_file))
    assert [i['file_name'] for i in back['images']] == [
        i['file_name'] for i in toy_cocovid()['images']
    ]
    assert sorted(tuple(a['bbox']) for a in back['annotations']) == sorted(
        tuple(a['bbox']) for a in toy_cocovid()['annotations'][:-1])
    assert back['videos'][1]['neg_category_ids'] == [2]


def test_export_keeps_or_overrides_federated_lists():
    given = export_cocovid_as_tao(
        toy_cocovid(), neg_category_ids={'TOY-02': [2]},
        not_exhaustive_category_ids={'TOY-01': [2]})
    assert [v['neg_category_ids'] for v in given['videos']] == [[], [2]]
    assert [v['not_exhaustive_category_ids']
            for v in given['videos']] == [[2], []]
    own = toy_cocovid()
    own['videos'][0]['neg_category_ids'] = [3]
    kept = export_cocovid_as_tao(own)
    assert [v['neg_category_ids'] for v in kept['videos']] == [[3], []]
    assert [v['not_exhaustive_category_ids']
            for v in kept['videos']] == [[], []]
    with pytest.raises(ValueError, match=r"unknown videos \['TOY-09'\]"):
        export_cocovid_as_tao(toy_cocovid(), neg_category_ids={'TOY-09': []})


def test_export_rejects_inconsistent_instances():
    data = toy_cocovid()
    data['annotations'][2]['category_id'] = 2  # instance 1 becomes a car
    with pytest.raises(AnnotationError, match='instance 1 changes category'):
        export_cocovid_as_tao(data)
    data = toy_cocovid()
    data['images'][1]['frame_id'] = 0
    with pytest.raises(AnnotationError, match='repeats frame_id 0'):
        export_cocovid_as_tao(data)


def test_cli_both_directions(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'convert_tao', osp.join(REPO, 'tools', 'convert_tao.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    src = tmp_path / 'tao.json'
    src.write_text(json.dumps(tao_json()))
    coco_file, tao_file = tmp_path / 'coco.json', tmp_path / 'back.json'
    cli.main(['tao2coco', str(src), str(coco_file)])
    assert json.loads(coco_file.read_text()) == tao_to_cocovid(tao_json())
    cli.main(['coco2tao', str(coco_file), str(tao_file)])
    back = json.loads(tao_file.read_text())
    assert tao_to_cocovid(back)['annotations'] == tao_to_cocovid(
        tao_json())['annotations']
    # the TAO file carried federated lists, so none were invented
    assert back['videos'][1]['neg_category_ids'] == []


@pytest.mark.parametrize('fmt', ['tao', 'cocovid'])
def test_tao_dataset(tmp_path, fmt):
    data = tao_json() if fmt == 'tao' else tao_to_cocovid(tao_json())
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(copy.deepcopy(data)))
    ds = TAODataset(ann_file=str(path), data_prefix=dict(img_path='frames'),
                    test_mode=True, pipeline=[], lazy_init=False)
    assert ds.metainfo['classes'] == ('person', 'car_(automobile)',
                                      'bicycle')
    assert len(ds) == 2
    video = ds.get_data_info(0)
    assert video['video_name'] == 'val/YFCC100M/v_a'
    assert [f['img_id'] for f in video['images']] == [10, 11, 12]
    assert video['images'][1]['instances'] == []
    first = video['images'][0]['instances']
    assert [i['instance_id'] for i in first] == [1, 3]
    assert [i['bbox_label'] for i in first] == [0, 1]
    assert first[0]['bbox'] == [12, 10, 32, 50]
    assert ds.federated_labels['val/YFCC100M/v_a'] == dict(
        neg_category_ids=[3], not_exhaustive_category_ids=[2])


def _cli():
    spec = importlib.util.spec_from_file_location(
        'convert_tao', osp.join(REPO, 'tools', 'convert_tao.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    return cli


def test_tao_track_vocabulary(tmp_path):
    """Categories annotated in train / validation or listed by the test
    categories, merged ids resolved, in id order."""
    train = tao_json()
    train['categories'].append(dict(id=4, name='dog', synset='dog.n.01',
                                    frequency='f'))
    train['categories'].append(dict(id=6, name='zebra', synset='zebra.n.01',
                                    frequency='r'))
    val = copy.deepcopy(train)
    # validation: only bicycles (id 3); train: person and car (via id 5)
    train['annotations'] = [a for a in train['annotations']
                            if a['category_id'] in (1, 5)]
    for ann in val['annotations']:
        ann['category_id'] = 3
    for name, data in (('train', train), ('validation', val)):
        (tmp_path / f'{name}.json').write_text(json.dumps(data))
    files = [str(tmp_path / 'train.json'), str(tmp_path / 'validation.json')]
    assert tao_track_vocabulary(files) == ['person', 'car_(automobile)',
                                           'bicycle']
    (tmp_path / 'test_categories.json').write_text(json.dumps(
        dict(categories=[dict(id=6, name='zebra')])))
    tests = [str(tmp_path / 'test_categories.json')]
    assert tao_track_vocabulary(files, tests) == [
        'person', 'car_(automobile)', 'bicycle', 'zebra']
    # the CLI writes the same list; a dataset reads it as its classes
    out = tmp_path / 'tao_classes.txt'
    _cli().main(['classes', str(tmp_path), str(out)])
    assert out.read_text().splitlines() == [
        'person', 'car_(automobile)', 'bicycle', 'zebra']
    ds = TAODataset(ann_file=files[0], metainfo=dict(classes=str(out)),
                    data_prefix=dict(img_path='frames'), test_mode=True,
                    pipeline=[], lazy_init=False)
    assert list(ds.metainfo['classes']) == [
        'person', 'car_(automobile)', 'bicycle', 'zebra']
    (tmp_path / 'bad.json').write_text(json.dumps(
        dict(categories=[dict(id=77, name='yak')])))
    with pytest.raises(AnnotationError, match='bad.json: category id 77'):
        tao_track_vocabulary(files, [str(tmp_path / 'bad.json')])
