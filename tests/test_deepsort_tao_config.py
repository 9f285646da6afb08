"""DeepSORT + SimpleReID on TAO through tools/test.py: given boxes with
their categories from a COCO results file, track labels, the TAO results
file and its TETA / Track mAP.

The data is a hand-made TAO file (one video, five labelled frames 1 s
apart, a person and a car standing still, non-contiguous category ids) and
rendered frames (the same picture every frame, so a crop of one object is
identical in every frame). The given boxes are the ground-truth boxes; the
detector calls the person a car in frame 2, and gives a box of a category
outside the classes in frame 1.
"""
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import test as test_tool  # noqa: E402

DS = osp.join(ROOT, 'configs', 'deepsort')
DEEPSORT = osp.join(DS, 'deepsort_simplereid-r50_given-det_tao.py')
QD = osp.join(DS, 'simplereid-r50_qd-manager_given-det_tao.py')
PERSON, CAR, DOG = 3, 7, 40  # TAO (LVIS) category ids
BOXES = {PERSON: [100, 60, 50, 120], CAR: [200, 150, 100, 60]}  # xywh
NUM_FRAMES = 5
FLICKER = 2  # frame where the person box is labelled car
VIDEO_ID = 21


def _image_id(t):
    return 1000 + t


@pytest.fixture(scope='module')
def tao(tmp_path_factory):
    root = tmp_path_factory.mktemp('tao')
    name = 'val/YFCC100M/v_0001'
    tao = dict(
        videos=[dict(id=VIDEO_ID, name=name, width=320, height=240,
                     neg_category_ids=[DOG],
                     not_exhaustive_category_ids=[])],
        categories=[
            dict(id=PERSON, name='person', synset='person.n.01',
                 frequency='f'),
            dict(id=CAR, name='car', synset='car.n.01', frequency='f'),
            dict(id=DOG, name='dog', synset='dog.n.01', frequency='r')],
        tracks=[dict(id=301, category_id=PERSON, video_id=VIDEO_ID),
                dict(id=302, category_id=CAR, video_id=VIDEO_ID)],
        images=[], annotations=[])
    img = np.full((240, 320, 3), 90, np.uint8)
    cv2.rectangle(img, (100, 60), (149, 179), (40, 40, 220), -1)
    cv2.rectangle(img, (120, 70), (129, 90), (240, 240, 240), -1)
    cv2.rectangle(img, (200, 150), (299, 209), (200, 120, 30), -1)
    dets = []
    for t in range(NUM_FRAMES):
        file_name = f'{name}/frame{30 * t + 1:04d}.jpg'
        path = root / 'frames' / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), img)
        tao['images'].append(dict(
            id=_image_id(t), video_id=VIDEO_ID, frame_index=30 * t,
            width=320, height=240, file_name=file_name))
        for track, cat in ((301, PERSON), (302, CAR)):
            box = BOXES[cat]
            tao['annotations'].append(dict(
                id=5000 + 2 * t + (cat == CAR), image_id=_image_id(t),
                video_id=VIDEO_ID, track_id=track, category_id=cat,
                bbox=box, area=box[2] * box[3], iscrowd=0))
        dets.append(dict(image_id=_image_id(t),
                         category_id=CAR if t == FLICKER else PERSON,
                         bbox=BOXES[PERSON],
                         score=0.6 if t == FLICKER else 0.9))
        dets.append(dict(image_id=_image_id(t), category_id=CAR,
                         bbox=BOXES[CAR], score=0.8))
    # a box of a category that is not a class (not even in the file)
    dets.append(dict(image_id=_image_id(1), category_id=99,
                     bbox=[10, 10, 30, 30], score=0.95))
    (root / 'annotations').mkdir()
    (root / 'annotations' / 'validation.json').write_text(json.dumps(tao))
    (root / 'annotations' / 'tao_classes.txt').write_text('car\nperson\n')
    (root / 'detections').mkdir()
    (root / 'detections' / 'validation_results.json').write_text(
        json.dumps(dets))
    return root


def _run(tao, tmp_path, config, *options):
    """tools/test.py on the hand-made TAO data; (records by frame, metrics).

    Records: per frame t, sorted ``(track_id, category_id, x)`` of the
    written TAO results (track ids as written: 1..N in order of first
    appearance).
    """
    out = tmp_path / 'out'
    metrics = test_tool.main([
        config, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
        f'test_dataloader.dataset.data_root={tao}/',
        f'test_dataloader.dataset.metainfo.classes={tao}/annotations/'
        'tao_classes.txt',
        f'test_evaluator.ann_file={tao}/annotations/validation.json',
        f'test_evaluator.outfile_dir={out}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False', *options
    ])
    records = json.loads((out / 'tao_results.json').read_text())
    frames = [sorted((r['track_id'], r['category_id'], r['bbox'][0])
                     for r in records if r['image_id'] == _image_id(t))
              for t in range(NUM_FRAMES)]
    return frames, metrics


def _person(frames):
    """(track id, category) of the person box (x = 100) per frame."""
    return [[(tid, cat) for tid, cat, x in f if x == 100][0]
            for f in frames]


def _car(frames):
    return [[(tid, cat) for tid, cat, x in f if x == 200][0] for f in frames]


def test_majority_label_keeps_one_track_per_object(tao, tmp_path):
    """No appearance (IoU only): the flicker does not split the person;
    its label stays person (2 person boxes against 1 car in frame 2)."""
    frames, metrics = _run(tao, tmp_path, DEEPSORT, 'model.reid=None',
                           'model.reid_checkpoint=None')
    # every frame: the two given boxes of classes, output from frame 0
    assert all(len(f) == 2 for f in frames)
    assert _person(frames) == [(1, PERSON)] * NUM_FRAMES
    assert _car(frames) == [(2, CAR)] * NUM_FRAMES
    # the given boxes are the ground truth: perfect on every measure
    for key in ('tao/TETA', 'tao/LocA', 'tao/AssocA', 'tao/ClsA',
                'tao/TrackAP', 'tao/TrackAP50'):
        assert metrics[key] == pytest.approx(100.0), key


def test_detection_label_follows_the_box(tao, tmp_path):
    frames, metrics = _run(tao, tmp_path, DEEPSORT, 'model.reid=None',
                           'model.reid_checkpoint=None',
                           'model.tracker.track_label=detection')
    expected = [(1, PERSON)] * NUM_FRAMES
    expected[FLICKER] = (1, CAR)
    assert _person(frames) == expected
    assert metrics['tao/AssocA'] == pytest.approx(100.0)
    assert metrics['tao/LocA'] == pytest.approx(100.0)
    # one of ten boxes has the wrong class
    assert metrics['tao/ClsA'] < 100.0


def test_class_aware_splits_the_flickering_object(tao, tmp_path):
    """IoU only: the car-labelled person box starts a car track (3); the
    person track (1), missed one frame, can then be taken back only by
    appearance, so without it the person continues as track 4."""
    frames, metrics = _run(tao, tmp_path, DEEPSORT, 'model.reid=None',
                           'model.reid_checkpoint=None',
                           'model.tracker.class_aware=True')
    assert _person(frames) == [(1, PERSON), (1, PERSON), (3, CAR),
                               (4, PERSON), (4, PERSON)]
    assert _car(frames) == [(2, CAR)] * NUM_FRAMES
    assert metrics['tao/LocA'] == pytest.approx(100.0)
    assert metrics['tao/AssocA'] < 100.0
    assert metrics['tao/TrackAP50'] < 100.0


def test_class_aware_with_reid_takes_the_track_back(tao, tmp_path):
    """Random ResNet-50 ReID: a crop is the same in every frame (cosine
    distance 0), so the appearance cascade gives the person its track back
    after the car-labelled box."""
    frames, _ = _run(tao, tmp_path, DEEPSORT, 'model.reid_checkpoint=None',
                     'model.tracker.class_aware=True')
    assert _person(frames) == [(1, PERSON), (1, PERSON), (3, CAR),
                               (1, PERSON), (1, PERSON)]
    assert _car(frames) == [(2, CAR)] * NUM_FRAMES


def test_simplereid_in_the_tao_track_manager(tao, tmp_path):
    """The class-aware quasi-dense manager with the ReID embeddings: the
    same answer as class-aware DeepSORT with appearance."""
    frames, metrics = _run(tao, tmp_path, QD, 'model.reid_checkpoint=None')
    assert _person(frames) == [(1, PERSON), (1, PERSON), (3, CAR),
                               (1, PERSON), (1, PERSON)]
    assert _car(frames) == [(2, CAR)] * NUM_FRAMES
    assert metrics['tao/LocA'] == pytest.approx(100.0)
