"""TAOMetric: results file, TETA and Track mAP, frame gathering.

The ground truth is a small hand-made file in TAO's own format (frames at
``frame_index`` 0, 30, 60, ..., non-contiguous image and category ids,
federated label lists) read by ``TAODataset``; the data samples fed to the
metric carry the metainfo of that dataset's frames.
"""
import json
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData

import qdtrack
from qdtrack.datasets.tao import TAODataset
from qdtrack.evaluation.functional.tao_track_map import tao_track_map
from qdtrack.evaluation.functional.teta import teta
from qdtrack.evaluation.metrics import video_frame_metric as gather_module
from qdtrack.evaluation.metrics.tao_metric import (
    TAOMetric,
    tao_frame_from_sample,
)
from qdtrack.evaluation.writers.tao import tao_records_from_frame
from qdtrack.registry import DATASETS, METRICS, TRANSFORMS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(ROOT, 'configs/_base_/datasets/tao.py')
CATEGORIES = [
    dict(id=3, name='person', synset='person.n.01', frequency='f'),
    dict(id=7, name='car', synset='car.n.01', frequency='f'),
    dict(id=12, name='bicycle', synset='bicycle.n.01', frequency='c'),
    dict(id=40, name='dog', synset='dog.n.01', frequency='r'),
]
# video name, id, tracks: (track id, category id, first box, velocity)
VIDEOS = [
    ('val/YFCC100M/v_0001', 21, 6, [
        (301, 3, (40, 60, 50, 120), (12, 0)),
        (302, 3, (400, 80, 45, 110), (-10, 2)),
        (303, 7, (100, 300, 160, 90), (15, 0)),
        (304, 12, (500, 250, 60, 50), (-5, 3)),
    ]),
    ('val/ArgoVerse/v_0002', 25, 5, [
        (311, 7, (20, 200, 140, 80), (20, 0)),
        (312, 7, (420, 210, 150, 85), (-20, 0)),
        (313, 3, (300, 50, 40, 100), (0, 5)),
    ]),
]


def _box(track, t):
    x, y, w, h = track[2]
    dx, dy = track[3]
    return [float(x + dx * t), float(y + dy * t), float(w), float(h)]


def make_tao():
    """TAO JSON: frames 1 s apart (frame_index 0, 30, ...), images listed
    newest first, ids that are not 0..N."""
    out = dict(videos=[], images=[], tracks=[], annotations=[],
               categories=[dict(c) for c in CATEGORIES])
    for name, vid, length, tracks in VIDEOS:
        out['videos'].append(dict(
            id=vid, name=name, width=640, height=480,
            neg_category_ids=[40], not_exhaustive_category_ids=[]))
        for trk in tracks:
            out['tracks'].append(dict(id=trk[0], category_id=trk[1],
                                      video_id=vid))
        for t in reversed(range(length)):
            img_id = 1000 + 10 * vid + t
            out['images'].append(dict(
                id=img_id, video_id=vid, frame_index=30 * t, width=640,
                height=480, file_name=f'{name}/frame{30 * t + 1:04d}.jpg'))
            for trk in tracks:
                box = _box(trk, t)
                out['annotations'].append(dict(
                    id=len(out['annotations']) + 5000, image_id=img_id,
                    video_id=vid, track_id=trk[0], category_id=trk[1],
                    bbox=box, area=box[2] * box[3], iscrowd=0))
    return out


@pytest.fixture(scope='module')
def tao(tmp_path_factory):
    root = tmp_path_factory.mktemp('tao')
    ann_file = root / 'annotations' / 'validation.json'
    ann_file.parent.mkdir()
    ann_file.write_text(json.dumps(make_tao()))
    # classes in another order than the category ids: mapped by name
    dataset = TAODataset(
        ann_file=str(ann_file), data_root=str(root),
        data_prefix=dict(img_path='frames/'),
        metainfo=dict(classes=('dog', 'bicycle', 'car', 'person')),
        test_mode=True, pipeline=[])
    return dict(root=root, ann_file=str(ann_file), dataset=dataset)


def _videos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def _gt_arrays(info):
    inst = [i for i in info['instances'] if not i['ignore_flag']]
    bboxes = np.array([i['bbox'] for i in inst], dtype=np.float64)
    return (bboxes.reshape(-1, 4), np.linspace(0.95, 0.5, len(inst)),
            np.array([i['bbox_label'] for i in inst]),
            np.array([i['instance_id'] for i in inst]))


def _relabel(video, t, arrays):
    """The bicycle track (class 1) predicted as a car (class 2)."""
    bboxes, scores, labels, ids = (a.copy() for a in arrays)
    labels[labels == 1] = 2
    return bboxes, scores, labels, ids


def _perturb(video, t, arrays):
    """Misses, an id swap, a shifted box and false positives.

    Video 21: the car is missed in frames 1 and 2; the two persons swap ids
    from frame 3 on; the bicycle is shifted by 20 px; a false 'dog' next to
    the first person in frame 4 and a false car far from everything.
    Video 25: one car is missed in frame 0; a low-scoring duplicate of the
    person with another id in every frame.
    """
    bboxes, scores, labels, ids = (a.copy() for a in arrays)
    keep = np.ones(len(ids), dtype=bool)
    if video == 21:
        if t in (1, 2):
            keep[labels == 2] = False
        persons = np.nonzero(labels == 3)[0]
        if t >= 3:
            ids[persons] = ids[persons[::-1]]
        bboxes[labels == 1] += 20
        bboxes, scores, labels, ids = (a[keep] for a in (bboxes, scores,
                                                         labels, ids))
        if t == 4:
            first = bboxes[labels == 3][0] + 3
            bboxes = np.vstack([bboxes, first, [600, 10, 630, 40]])
            scores = np.append(scores, [0.6, 0.4])
            labels = np.append(labels, [0, 2])
            ids = np.append(ids, [90, 91])
    else:
        if t == 0:
            keep[np.nonzero(labels == 2)[0][0]] = False
        bboxes, scores, labels, ids = (a[keep] for a in (bboxes, scores,
                                                         labels, ids))
        person = bboxes[labels == 3][0] + [4, -4, 4, -4]
        bboxes = np.vstack([bboxes, person])
        scores = np.append(scores, 0.3)
        labels = np.append(labels, 3)
        ids = np.append(ids, 95)
    return bboxes, scores, labels, ids


def _frame_sample(info, video, arrays):
    meta = dict(
        img_id=info['img_id'], img_path=info['img_path'],
        frame_id=info['frame_id'], mot_frame_id=info['mot_frame_id'],
        frame_index=info['frame_index'], video_id=video['video_id'],
        video_name=info['video_name'],
        ori_video_length=video['video_length'])
    sample = DetDataSample(metainfo=meta)
    bboxes, scores, labels, ids = arrays
    sample.pred_track_instances = InstanceData(
        bboxes=torch.as_tensor(bboxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.as_tensor(scores, dtype=torch.float32),
        labels=torch.as_tensor(labels, dtype=torch.long),
        instances_id=torch.as_tensor(ids, dtype=torch.long))
    return sample


def _track_samples(dataset, change=None):
    samples = []
    for video in _videos(dataset):
        for info in video['images']:
            arrays = _gt_arrays(info)
            if change is not None:
                arrays = change(video['video_id'], info['frame_id'], arrays)
            track = TrackDataSample()
            track.video_data_samples = [_frame_sample(info, video, arrays)]
            samples.append(track)
    return samples


def _run(metric, samples, dataset, batch=4):
    metric.dataset_meta = dataset.metainfo
    for i in range(0, len(samples), batch):
        metric.process({}, [s.to_dict() for s in samples[i:i + batch]])
    return {k.split('/', 1)[1]: v
            for k, v in metric.evaluate(len(dataset)).items()}


def _direct_records(dataset, change):
    """Result records of the perturbed tracker, built without the metric."""
    cat_of = {'dog': 40, 'bicycle': 12, 'car': 7, 'person': 3}
    cat_ids = [cat_of[c] for c in dataset.metainfo['classes']]
    records = []
    for video in _videos(dataset):
        for info in video['images']:
            arrays = change(video['video_id'], info['frame_id'],
                            _gt_arrays(info))
            records += tao_records_from_frame(
                info['img_id'], video['video_id'], *arrays, cat_ids)
    return records


# ------------------------------------------------------------------- tests
def test_registered_and_needs_ann_file():
    metric = METRICS.build(dict(type='TAOMetric', ann_file='x.json'))
    assert isinstance(metric, TAOMetric) and metric.prefix == 'tao'
    with pytest.raises(ValueError, match='ann_file'):
        TAOMetric(ann_file=None)


def test_frame_from_sample():
    sample = DetDataSample(metainfo=dict(img_id=7, video_id=2, frame_id=4))
    sample.pred_track_instances = InstanceData(
        bboxes=torch.tensor([[1., 2., 11., 22.]]), scores=torch.tensor([.5]),
        labels=torch.tensor([1]), instances_id=torch.tensor([3]))
    frame = tao_frame_from_sample(sample)
    assert (frame['image_id'], frame['video_id'], frame['frame_id']) == (
        7, 2, 4)
    np.testing.assert_allclose(frame['bboxes'], [[1, 2, 11, 22]])
    assert frame['ids'].tolist() == [3] and frame['labels'].tolist() == [1]
    bad = DetDataSample(metainfo=dict(video_id=2, img_path='a/b.jpg'))
    bad.pred_track_instances = sample.pred_track_instances
    with pytest.raises(KeyError, match='img_id'):
        tao_frame_from_sample(bad)


def test_perfect_tracker_scores_100(tao, tmp_path):
    dataset = tao['dataset']
    metric = TAOMetric(ann_file=tao['ann_file'], outfile_dir=str(tmp_path))
    res = _run(metric, _track_samples(dataset), dataset)
    for key in ('TETA', 'LocA', 'AssocA', 'ClsA', 'LocRe', 'LocPr',
                'TrackAP', 'TrackAP50', 'TrackAP75', 'TrackAR'):
        assert res[key] == pytest.approx(100.0), key
    assert metric.last_results['teta']['num_classes'] == 3
    # the results file: category ids by class name, one track per
    # (video, instance), ids renumbered from 1
    records = json.loads((tmp_path / 'tao_results.json').read_text())
    assert len(records) == 4 * 6 + 3 * 5
    gt = make_tao()
    gt_cat = {a['image_id']: set() for a in gt['annotations']}
    for ann in gt['annotations']:
        gt_cat[ann['image_id']].add((ann['category_id'],
                                     tuple(ann['bbox'])))
    for rec in records:
        assert (rec['category_id'], tuple(
            round(v, 3) for v in rec['bbox'])) in gt_cat[rec['image_id']]
    assert sorted({r['track_id'] for r in records}) == list(range(1, 8))
    assert {r['video_id'] for r in records} == {21, 25}


def test_relabelled_track_hand_computed(tao):
    """Only the class of the bicycle track is wrong: LocA and AssocA stay
    100; ClsA = mean over person, car, bicycle of TPC / (TPC+FNC+FPC) =
    (1 + 16 / (16 + 6) + 0) / 3 (16 car boxes, 6 bicycle boxes)."""
    dataset = tao['dataset']
    metric = TAOMetric(ann_file=tao['ann_file'], track_map=False)
    res = _run(metric, _track_samples(dataset, _relabel), dataset)
    cls_a = 100 * (1 + 16 / 22 + 0) / 3
    assert res['LocA'] == pytest.approx(100.0)
    assert res['AssocA'] == pytest.approx(100.0)
    assert res['ClsA'] == pytest.approx(cls_a)
    assert res['TETA'] == pytest.approx((200 + cls_a) / 3)
    assert not any(k.startswith('Track') for k in res)


def test_perturbed_equals_functional_evaluation(tao):
    dataset = tao['dataset']
    metric = TAOMetric(ann_file=tao['ann_file'])
    res = _run(metric, _track_samples(dataset, _perturb), dataset)
    records = _direct_records(dataset, _perturb)
    ref = teta(tao['ann_file'], records, progress=False)
    ref_map = tao_track_map(tao['ann_file'], records)
    for key in ('TETA', 'LocA', 'AssocA', 'ClsA', 'LocRe', 'LocPr',
                'AssocRe', 'AssocPr', 'ClsRe', 'ClsPr'):
        assert res[key] == pytest.approx(ref[key], abs=1e-9), key
    for key in ('AP', 'AP50', 'AP75', 'AR', 'AR50', 'AR75'):
        assert res['Track' + key] == pytest.approx(ref_map[key],
                                                   abs=1e-9), key
    assert 0 < res['TETA'] < 100 and res['LocA'] < 100
    assert res['AssocA'] < 100 and 0 < res['TrackAP'] < 100


def test_format_only_writes_file_and_returns_empty(tao, tmp_path):
    dataset = tao['dataset']
    metric = TAOMetric(ann_file=tao['ann_file'], outfile_dir=str(tmp_path),
                       format_only=True)
    assert _run(metric, _track_samples(dataset, _perturb), dataset) == {}
    records = json.loads((tmp_path / 'tao_results.json').read_text())
    assert len(records) == len(_direct_records(dataset, _perturb))
    assert {r['category_id'] for r in records} == {3, 7, 12, 40}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'tao_results.json']


def test_unknown_class_names_are_an_error(tao):
    metric = TAOMetric(ann_file=tao['ann_file'], format_only=True)
    metric.dataset_meta = dict(classes=('person', 'unicorn'))
    metric.process({}, [s.to_dict()
                        for s in _track_samples(tao['dataset'])[:1]])
    with pytest.raises(ValueError, match='unicorn'):
        metric.evaluate(1)


def test_evaluator_keeps_every_frame(tao):
    dataset = tao['dataset']
    evaluator = Evaluator(TAOMetric(ann_file=tao['ann_file'],
                                    track_map=False))
    evaluator.dataset_meta = dataset.metainfo
    samples = _track_samples(dataset)
    for sample in samples:
        evaluator.process([sample], {})
    assert len(dataset) == 2 and len(samples) == 11
    res = evaluator.evaluate(len(dataset))
    assert res['tao/TETA'] == pytest.approx(100.0)
    assert evaluator.metrics[0].results == []


def test_distributed_gather_on_one_process(tao, monkeypatch):
    dataset = tao['dataset']
    samples = _track_samples(dataset, _perturb)
    other = TAOMetric(ann_file=tao['ann_file'])
    other.process({}, [s.to_dict() for s in samples[6:]])  # video 25
    other_rank = list(other.results)
    seen = {}
    monkeypatch.setattr(gather_module, 'is_distributed', lambda: True)
    monkeypatch.setattr(gather_module, 'all_gather_object',
                        lambda obj: [other_rank, obj])
    monkeypatch.setattr(gather_module, 'broadcast_object_list',
                        lambda objs: seen.setdefault('broadcast', objs[0]))
    metric = TAOMetric(ann_file=tao['ann_file'], track_map=False)
    metric.dataset_meta = dataset.metainfo
    metric.process({}, [s.to_dict() for s in samples[:6]])  # video 21
    res = metric.evaluate(size=1)
    assert seen['broadcast'] == res
    ref = teta(tao['ann_file'], _direct_records(dataset, _perturb),
               progress=False)
    assert res['tao/TETA'] == pytest.approx(ref['TETA'], abs=1e-9)
    assert metric.results == []


# ------------------------------------------------------------------ config
@pytest.fixture(scope='module')
def tao_images(tao):
    rng = np.random.default_rng(0)
    for img in make_tao()['images']:
        mmcv.imwrite(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8),
                     str(tao['root'] / 'frames' / img['file_name']))
    return tao


def _dataset_from_config(cfg, root, test_mode):
    loader = cfg.val_dataloader if test_mode else cfg.train_dataloader
    dataset_cfg = loader.dataset.copy()
    dataset_cfg.update(data_root=str(root) + '/',
                       ann_file='annotations/validation.json')
    return DATASETS.build(dataset_cfg)


def test_config_pipelines_build_and_run(tao_images, tmp_path):
    qdtrack.register_all_modules()
    cfg = Config.fromfile(CONFIG)
    assert cfg.test_evaluator.type == 'TAOMetric'
    assert cfg.test_evaluator.ann_file == (
        'data/tao/annotations/validation.json')
    test_steps = [TRANSFORMS.build(t) for t in cfg.test_pipeline]
    assert [type(t).__name__ for t in test_steps] == [
        'TransformBroadcaster', 'PackTrackInputs']
    for key in ('video_name', 'mot_frame_id', 'frame_index'):
        assert key in test_steps[-1].meta_keys
    assert [type(TRANSFORMS.build(t)).__name__ for t in cfg.train_pipeline
            ] == ['UniformRefFrameSample', 'TransformBroadcaster',
                  'TransformBroadcaster', 'PackTrackInputs']

    # test pipeline on a real 640x480 frame: fit into 1080x1080 (x1.6875)
    dataset = _dataset_from_config(cfg, tao_images['root'], test_mode=True)
    assert dataset.metainfo['classes'] == ('person', 'car', 'bicycle',
                                           'dog')
    packed = dataset[(1, 2)]  # video 25, third frame
    frame = packed['data_samples'].video_data_samples[0]
    assert tuple(packed['inputs'].shape) == (1, 3, 810, 1080)
    assert frame.video_name == 'val/ArgoVerse/v_0002'
    assert (frame.img_id, frame.video_id, frame.frame_id) == (1252, 25, 2)
    frame.pred_track_instances = InstanceData(
        bboxes=torch.tensor([[10., 20., 50., 80.]]),
        scores=torch.tensor([0.9]), labels=torch.tensor([3]),
        instances_id=torch.tensor([4]))
    metric = METRICS.build(dict(cfg.test_evaluator, outfile_dir=str(tmp_path),
                                format_only=True,
                                ann_file=tao_images['ann_file']))
    metric.dataset_meta = dataset.metainfo
    metric.process({}, [packed['data_samples'].to_dict()])
    assert metric.evaluate(1) == {}
    records = json.loads((tmp_path / 'tao_results.json').read_text())
    assert records == [dict(image_id=1252, video_id=25, category_id=40,
                            track_id=1, bbox=[10., 20., 40., 60.],
                            score=pytest.approx(0.9))]

    # train pipeline: key frame and its neighbour
    train_set = _dataset_from_config(cfg, tao_images['root'],
                                     test_mode=False)
    packed = train_set[(0, 2)]
    frames = packed['data_samples'].video_data_samples
    assert packed['inputs'].shape[:2] == (2, 3)
    assert packed['inputs'].shape[2] in (640, 672, 704, 736, 768, 800)
    ids = sorted(f.frame_id for f in frames)
    assert 2 in ids and all(abs(i - 2) <= 1 for i in ids)
    assert len(frames[0].gt_instances) == 4


def test_partial_dump_and_input_check(tao, tmp_path):
    """The frames processed before a failure are written like a full run."""
    dataset = tao['dataset']
    samples = _track_samples(dataset)
    full = TAOMetric(ann_file=tao['ann_file'], outfile_dir=str(tmp_path))
    _run(full, samples, dataset)
    complete = json.loads((tmp_path / 'tao_results.json').read_text())
    part = TAOMetric(ann_file=tao['ann_file'])
    part.dataset_meta = dataset.metainfo
    part.process({}, [s.to_dict() for s in samples[:6]])  # video 21 only
    assert part.dump_partial(str(tmp_path / 'partial')) == {'21': 6}
    partial = json.loads(
        (tmp_path / 'partial' / 'tao_results.json').read_text())
    assert partial == [r for r in complete if r['video_id'] == 21]
    part.check_inputs(['x'])
    with pytest.raises(FileNotFoundError,
                       match='TAO annotation file not found: .*nope.json'):
        TAOMetric(ann_file=str(tmp_path / 'nope.json')).check_inputs(['x'])
