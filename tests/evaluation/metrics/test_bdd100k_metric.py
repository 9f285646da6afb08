"""BDD100KMetric: submission files, official-rule scores, frame gathering.

The ground truth is a small hand-made set of scalabel label files (all 8
classes, a renamed ``person``, a crowd box and an ``other vehicle`` ignore
box; one video whose labels start at ``frameIndex`` 2). It is converted to
CocoVID with the project's converter and read by ``CocoVideoDataset``; the
data samples fed to the metric carry the metainfo of that dataset's frames.
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
from qdtrack.datasets import CocoVideoDataset
from qdtrack.datasets.bdd100k import (
    BDD100K_CLASSES,
    load_scalabel_frames,
    scalabel_to_cocovid,
)
from qdtrack.evaluation.functional.bdd100k_mot import (
    compute_bdd100k_hota,
    evaluate_bdd100k_mot,
)
from qdtrack.evaluation.metrics import video_frame_metric as gather_module
from qdtrack.evaluation.metrics.bdd100k_metric import (
    BDD100KMetric,
    bdd100k_frame_from_sample,
)
from qdtrack.evaluation.writers.bdd100k import (
    bdd100k_frame,
    bdd100k_labels_from_arrays,
)
from qdtrack.registry import DATASETS, METRICS, TRANSFORMS

VIDEO_A, VIDEO_B = 'b1c66a42-6f7d68ca', 'b1c9c847-3bda4659'


# ----------------------------------------------------------------- fixture
def _label(track_id, category, box, crowd=False):
    x1, y1, x2, y2 = box
    return dict(id=str(track_id), category=category,
                attributes=dict(occluded=False, truncated=False,
                                crowd=crowd),
                box2d=dict(x1=x1, y1=y1, x2=x2, y2=y2))


def _gt_video_a():
    """6 frames, one track of each of the 8 classes plus ignore boxes."""
    frames = []
    for t in range(6):
        labels = [
            _label(1, 'pedestrian', (100 + 5 * t, 300, 139 + 5 * t, 399)),
            _label(2, 'person', (600, 310 + 2 * t, 629, 389 + 2 * t)),
            _label(3, 'rider', (200 + 4 * t, 320, 239 + 4 * t, 409)),
            _label(4, 'car', (400 - 6 * t, 400, 519 - 6 * t, 479)),
            _label(5, 'truck', (700, 200, 899, 349)),
            _label(6, 'bus', (900 + 3 * t, 100, 1099 + 3 * t, 299)),
            _label(7, 'train', (20, 20, 319, 179)),
            _label(8, 'motorcycle', (1000, 500 - 3 * t, 1049, 579 - 3 * t)),
            _label(9, 'bicycle', (1150, 520, 1189, 599)),
            _label(10, 'pedestrian', (300, 550, 379, 699), crowd=True),
            _label(11, 'other vehicle', (1200, 600, 1279, 719)),
        ]
        frames.append(dict(name=f'{VIDEO_A}-{t + 1:07d}.jpg',
                           videoName=VIDEO_A, frameIndex=t, labels=labels))
    return frames


def _gt_video_b():
    """5 frames labelled from frameIndex 2 on (frame_id != frameIndex)."""
    frames = []
    for t in range(2, 7):
        labels = [
            _label(21, 'car', (50 + 10 * t, 400, 149 + 10 * t, 469)),
            _label(22, 'car', (700 - 10 * t, 410, 799 - 10 * t, 479)),
        ]
        if t < 5:
            labels.append(_label(23, 'pedestrian', (500, 300, 529, 379)))
        frames.append(dict(name=f'{VIDEO_B}-{t + 1:07d}.jpg',
                           videoName=VIDEO_B, frameIndex=t, labels=labels))
    return frames


@pytest.fixture(scope='module')
def bdd(tmp_path_factory):
    """Scalabel label folder, CocoVID file and the dataset reading it."""
    root = tmp_path_factory.mktemp('bdd')
    label_dir = root / 'labels' / 'box_track_20' / 'val'
    label_dir.mkdir(parents=True)
    for name, frames in ((VIDEO_A, _gt_video_a()),
                         (VIDEO_B, _gt_video_b())):
        (label_dir / f'{name}.json').write_text(json.dumps(frames))
    coco = scalabel_to_cocovid(
        load_scalabel_frames(str(label_dir), progress=False), 'val',
        progress=False)
    ann_file = root / 'box_track_val_cocofmt.json'
    ann_file.write_text(json.dumps(coco))
    dataset = CocoVideoDataset(
        ann_file=str(ann_file), data_root=str(root),
        data_prefix=dict(img_path='images/track/'),
        metainfo=dict(classes=BDD100K_CLASSES), test_mode=True,
        pipeline=[])
    return dict(root=root, label_dir=str(label_dir), dataset=dataset)


def _frame_sample(info, video, arrays):
    """A DetDataSample of one test frame with metainfo of the dataset."""
    meta = dict(
        img_id=info['img_id'], img_path=info['img_path'],
        frame_id=info['frame_id'], mot_frame_id=info['mot_frame_id'],
        frame_index=info['frame_index'], video_id=video['video_id'],
        video_name=info['video_name'],
        ori_video_length=video['video_length'],
        ori_shape=(info['height'], info['width']))
    sample = DetDataSample(metainfo=meta)
    bboxes, scores, labels, ids = arrays
    sample.pred_track_instances = InstanceData(
        bboxes=torch.as_tensor(bboxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.as_tensor(scores, dtype=torch.float32),
        labels=torch.as_tensor(labels, dtype=torch.long),
        instances_id=torch.as_tensor(ids, dtype=torch.long))
    return sample


def _gt_arrays(info):
    """Perfect predictions of a frame: every non-ignored box, its id."""
    inst = [i for i in info['instances'] if not i['ignore_flag']]
    bboxes = np.array([i['bbox'] for i in inst], dtype=np.float64)
    return (bboxes.reshape(-1, 4), np.linspace(0.99, 0.6, len(inst)),
            np.array([i['bbox_label'] for i in inst]),
            np.array([i['instance_id'] for i in inst]))


def _perturb(video, frame_index, arrays):
    """Predictions with known errors, on top of the perfect ones.

    Video A: the car (instance 4) is missed in frames 1 and 2 (2 FN); from
    frame 3 on, pedestrians 1 and 2 swap ids (2 IDSW); a false-positive
    truck in frame 4 (1 FP); the bus box is shifted by 4 px (still a
    match). Video B: a false-positive car far from everything in every
    frame (5 FP) and an untracked box (id -1, not written).
    """
    bboxes, scores, labels, ids = (a.copy() for a in arrays)
    bboxes = bboxes.astype(np.float64)
    keep = np.ones(len(ids), dtype=bool)
    if video == VIDEO_A:
        car, = np.nonzero(labels == 2)
        if frame_index in (1, 2):
            keep[car] = False
        ped1, ped2 = np.nonzero(labels == 0)[0][:2]
        if frame_index >= 3:
            ids[ped1], ids[ped2] = ids[ped2], ids[ped1]
        bboxes[labels == 4] += 4
        bboxes, scores, labels, ids = (a[keep]
                                       for a in (bboxes, scores, labels, ids))
        if frame_index == 4:
            bboxes = np.vstack([bboxes, [10, 600, 200, 700]])
            scores = np.append(scores, 0.7)
            labels = np.append(labels, 3)
            ids = np.append(ids, 500)
    else:
        bboxes = np.vstack([bboxes, [1000, 50, 1100, 120],
                            [0, 0, 30, 30]])
        scores = np.append(scores, [0.8, 0.4])
        labels = np.append(labels, [2, 0])
        ids = np.append(ids, [600, -1])
    return bboxes, scores, labels, ids


def _videos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def _track_samples(dataset, perturbed=False):
    """One TrackDataSample per frame, as the video test loop makes them."""
    samples = []
    for video in _videos(dataset):
        for info in video['images']:
            arrays = _gt_arrays(info)
            if perturbed:
                arrays = _perturb(info['video_name'], info['frame_index'],
                                  arrays)
            track = TrackDataSample()
            track.video_data_samples = [_frame_sample(info, video, arrays)]
            samples.append(track)
    return samples


def _run(metric, samples, dataset, batch=3):
    metric.dataset_meta = dataset.metainfo
    for i in range(0, len(samples), batch):
        metric.process({}, [s.to_dict() for s in samples[i:i + batch]])
    return metric.evaluate(len(dataset))


# ------------------------------------------------------------------- tests
def test_registered():
    metric = METRICS.build(dict(type='BDD100KMetric', ann_file='x'))
    assert isinstance(metric, BDD100KMetric)
    assert metric.prefix == 'bdd100k'
    with pytest.raises(ValueError, match='ann_file'):
        BDD100KMetric()


def test_frame_from_sample_fields():
    meta = dict(img_path='images/track/val/v/v-0000008.jpg', video_name='v',
                frame_id=0, mot_frame_id=8)
    sample = DetDataSample(metainfo=meta)
    sample.pred_track_instances = InstanceData(
        bboxes=torch.tensor([[10., 20., 50., 80.], [5., 5., 5.5, 9.],
                             [7., 7., 7., 9.], [1., 1., 4., 4.]]),
        scores=torch.tensor([0.9, 0.8, 0.7, 0.6]),
        labels=torch.tensor([1, 0, 0, 1]),
        instances_id=torch.tensor([0, 3, 4, -1]))
    frame = bdd100k_frame_from_sample(sample, ('car', 'bicycle'))
    assert frame['name'] == 'v-0000008.jpg'
    assert frame['videoName'] == 'v'
    assert frame['frameIndex'] == 7
    # the empty box (id 4) and the untracked one are dropped; the 0.5 px
    # wide box becomes a one-pixel box (x2 == x1 in scalabel)
    assert [lab['id'] for lab in frame['labels']] == ['0', '3']
    assert [lab['category'] for lab in frame['labels']] == ['bicycle', 'car']
    assert frame['labels'][0]['box2d'] == dict(x1=10, y1=20, x2=49, y2=79)
    assert frame['labels'][1]['box2d'] == dict(x1=5, y1=5, x2=5, y2=8)
    assert frame['labels'][1]['score'] == pytest.approx(0.8)

    del meta['video_name']
    bad = DetDataSample(metainfo=meta)
    bad.pred_track_instances = sample.pred_track_instances
    with pytest.raises(KeyError, match='video_name'):
        bdd100k_frame_from_sample(bad, ('car', 'bicycle'))
    sample.pred_track_instances.labels[0] = 5
    with pytest.raises(ValueError, match='v-0000008.jpg'):
        bdd100k_frame_from_sample(sample, ('car', 'bicycle'))


def test_perfect_tracker_scores_100(bdd, tmp_path):
    dataset = bdd['dataset']
    out_dir = tmp_path / 'results'
    metric = BDD100KMetric(ann_file=bdd['label_dir'],
                           outfile_dir=str(out_dir))
    res = _run(metric, _track_samples(dataset), dataset)
    for key in ('mMOTA', 'mMOTP', 'mIDF1', 'MOTA', 'MOTP', 'IDF1', 'mHOTA',
                'HOTA', 'DetA', 'AssA'):
        assert res[f'bdd100k/{key}'] == pytest.approx(100.0), key
    for key in ('IDSW', 'FP', 'FN', 'ML', 'PT', 'FM'):
        assert res[f'bdd100k/{key}'] == 0, key
    # 9 tracks in video A (person is a pedestrian), 3 in video B
    assert res['bdd100k/MT'] == 12

    # the submission: one file per video, frames as in the labels
    assert sorted(p.name for p in out_dir.iterdir()) == [
        f'{VIDEO_A}.json', f'{VIDEO_B}.json']
    written = json.loads((out_dir / f'{VIDEO_B}.json').read_text())
    gt = _gt_video_b()
    assert [f['name'] for f in written] == [f['name'] for f in gt]
    assert [f['frameIndex'] for f in written] == [2, 3, 4, 5, 6]
    assert {f['videoName'] for f in written} == {VIDEO_B}
    for ours, ref in zip(written, gt):
        assert [lab['box2d'] for lab in ours['labels']] == [
            lab['box2d'] for lab in ref['labels']]
        assert [lab['category'] for lab in ours['labels']] == [
            lab['category'] for lab in ref['labels']]
    # the written track ids are the instance ids of the CocoVID file
    # (numbered over the split: video A holds 1..11)
    assert [lab['id'] for lab in written[0]['labels']] == ['12', '13', '14']


def _direct_predictions(dataset, path):
    """The perturbed predictions as scalabel frames, built without metric."""
    frames = []
    for video in _videos(dataset):
        for info in video['images']:
            boxes, scores, labels, ids = _perturb(
                info['video_name'], info['frame_index'], _gt_arrays(info))
            frames.append(bdd100k_frame(
                osp.basename(info['img_path']), info['video_name'],
                info['mot_frame_id'] - 1,
                bdd100k_labels_from_arrays(boxes, scores, labels, ids,
                                           BDD100K_CLASSES)))
    path.write_text(json.dumps(frames))
    return str(path)


def test_perturbed_equals_functional_evaluation(bdd, tmp_path):
    dataset = bdd['dataset']
    metric = BDD100KMetric(ann_file=bdd['label_dir'])
    res = _run(metric, _track_samples(dataset, perturbed=True), dataset)
    res = {k.split('/')[1]: v for k, v in res.items()}
    # hand-counted errors (see _perturb)
    assert res['FN'] == 2
    assert res['IDSW'] == 2
    assert res['FP'] == 6
    num_gt = 9 * 6 + 2 * 5 + 3
    assert res['MOTA'] == pytest.approx(100 * (1 - 10 / num_gt))
    # the car is tracked in 4 of 6 frames: partly tracked, one fragment
    assert (res['MT'], res['PT'], res['ML'], res['FM']) == (11, 1, 0, 1)
    assert 0 < res['HOTA'] < 100 and res['mMOTA'] < 100

    preds = _direct_predictions(dataset, tmp_path / 'preds.json')
    ref = evaluate_bdd100k_mot(bdd['label_dir'], preds, progress=False)
    hota = compute_bdd100k_hota(bdd['label_dir'], preds, progress=False)
    overall = ref['per_class']['OVERALL']
    assert res['mMOTA'] == pytest.approx(ref['mMOTA'], abs=1e-9)
    assert res['mMOTP'] == pytest.approx(ref['mMOTP'], abs=1e-9)
    assert res['mIDF1'] == pytest.approx(ref['mIDF1'], abs=1e-9)
    for key in ('MOTA', 'MOTP', 'IDF1'):
        assert res[key] == pytest.approx(overall[key], abs=1e-9)
    for key in ('FP', 'FN', 'MT', 'PT', 'ML', 'FM'):
        assert res[key] == overall[key]
    assert res['IDSW'] == overall['IDSw']
    for key in ('HOTA', 'DetA', 'AssA'):
        assert res[key] == pytest.approx(hota[key]['OVERALL'], abs=1e-9)
        assert res['m' + key] == pytest.approx(hota[key]['AVERAGE'],
                                               abs=1e-9)
    assert metric.last_results['mot']['per_class']['car']['FN'] == 2


def test_hota_can_be_skipped(bdd):
    dataset = bdd['dataset']
    metric = BDD100KMetric(ann_file=bdd['label_dir'], hota=False,
                           prefix='bdd')
    res = _run(metric, _track_samples(dataset, perturbed=True), dataset)
    assert not any('HOTA' in k or 'AssA' in k for k in res)
    assert res['bdd/FP'] == 6 and res['bdd/IDSW'] == 2


def test_format_only_writes_files_and_returns_empty(bdd, tmp_path):
    dataset = bdd['dataset']
    out_dir = tmp_path / 'submission'
    metric = BDD100KMetric(outfile_dir=str(out_dir), format_only=True)
    assert _run(metric, _track_samples(dataset, perturbed=True),
                dataset) == {}
    written = load_scalabel_frames(str(out_dir), progress=False)
    assert len(written) == 6 + 5
    # the untracked box of video B is not written, the false positive is
    frame = [f for f in written if f.video_name == VIDEO_B][0]
    assert [lab.id for lab in frame.labels] == ['12', '13', '14', '600']
    assert not any(p.name.endswith('.tmp') for p in out_dir.iterdir())


def test_evaluator_keeps_every_frame(bdd):
    """mmengine's Evaluator would cut the results to len(dataset) (2)."""
    dataset = bdd['dataset']
    evaluator = Evaluator(BDD100KMetric(ann_file=bdd['label_dir'],
                                        hota=False))
    evaluator.dataset_meta = dataset.metainfo
    samples = _track_samples(dataset)
    for sample in samples:
        evaluator.process([sample], {})
    assert len(dataset) == 2 and len(samples) == 11
    res = evaluator.evaluate(len(dataset))
    assert res['bdd100k/FN'] == 0
    assert res['bdd100k/MOTA'] == pytest.approx(100.0)
    assert evaluator.metrics[0].results == []


def test_distributed_gather_on_one_process(bdd, monkeypatch):
    """Two ranks' frames are joined before scoring, whatever ``size``."""
    dataset = bdd['dataset']
    samples = _track_samples(dataset, perturbed=True)
    half = BDD100KMetric(ann_file=bdd['label_dir'], hota=False)
    half.dataset_meta = dataset.metainfo
    half.process({}, [s.to_dict() for s in samples[6:]])  # video B
    other_rank = list(half.results)

    seen = {}
    monkeypatch.setattr(gather_module, 'is_distributed', lambda: True)
    monkeypatch.setattr(gather_module, 'all_gather_object',
                        lambda obj: [obj, other_rank])
    monkeypatch.setattr(gather_module, 'broadcast_object_list',
                        lambda objs: seen.setdefault('broadcast', objs[0]))
    metric = BDD100KMetric(ann_file=bdd['label_dir'], hota=False)
    metric.dataset_meta = dataset.metainfo
    metric.process({}, [s.to_dict() for s in samples[:6]])  # video A
    res = metric.evaluate(size=1)
    assert seen['broadcast'] == res
    assert res['bdd100k/FN'] == 2 and res['bdd100k/FP'] == 6
    assert metric.results == []


# ------------------------------------------------------------------ config
CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__))))), 'configs/_base_/datasets/bdd100k_mot.py')


@pytest.fixture(scope='module')
def bdd_images(bdd):
    """640x360 frames of the ground-truth videos under images/track/val."""
    rng = np.random.default_rng(0)
    for name, frames in ((VIDEO_A, _gt_video_a()),
                         (VIDEO_B, _gt_video_b())):
        for frame in frames:
            img = rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)
            mmcv.imwrite(img, str(bdd['root'] / 'images' / 'track' / 'val' /
                                  name / frame['name']))
    return bdd


def _dataset_from_config(cfg, root, test_mode):
    loader = cfg.val_dataloader if test_mode else cfg.train_dataloader
    dataset_cfg = loader.dataset.copy()
    dataset_cfg.update(data_root=str(root) + '/',
                       ann_file='box_track_val_cocofmt.json')
    return DATASETS.build(dataset_cfg)


def test_config_pipelines_build_and_run(bdd_images, tmp_path):
    qdtrack.register_all_modules()
    cfg = Config.fromfile(CONFIG)
    assert cfg.img_scale == (1296, 720)
    assert tuple(cfg.classes) == BDD100K_CLASSES
    assert cfg.test_evaluator.type == 'BDD100KMetric'
    assert cfg.test_evaluator.ann_file == (
        'data/bdd100k/labels/box_track_20/val/')
    assert METRICS.build(cfg.test_evaluator).ann_file.endswith('val/')
    test_steps = [TRANSFORMS.build(t) for t in cfg.test_pipeline]
    assert [type(t).__name__ for t in test_steps] == [
        'TransformBroadcaster', 'PackTrackInputs']
    for key in ('video_name', 'mot_frame_id', 'frame_index'):
        assert key in test_steps[-1].meta_keys
    assert [type(TRANSFORMS.build(t)).__name__ for t in cfg.train_pipeline
            ] == ['UniformRefFrameSample', 'TransformBroadcaster',
                  'TransformBroadcaster', 'PackTrackInputs']

    # test pipeline on a real frame: resized to fit 1296x720, with the
    # metainfo the metric needs
    dataset = _dataset_from_config(cfg, bdd_images['root'], test_mode=True)
    packed = dataset[(1, 0)]  # video B, first labelled frame
    frame = packed['data_samples'].video_data_samples[0]
    assert tuple(packed['inputs'].shape) == (1, 3, 720, 1280)
    assert frame.video_name == VIDEO_B
    assert (frame.mot_frame_id, frame.frame_id, frame.frame_index) == (
        3, 0, 0)
    frame.pred_track_instances = InstanceData(
        bboxes=torch.tensor([[50., 400., 150., 470.]]),
        scores=torch.tensor([0.9]), labels=torch.tensor([2]),
        instances_id=torch.tensor([7]))
    metric = BDD100KMetric(outfile_dir=str(tmp_path), format_only=True)
    metric.dataset_meta = dataset.metainfo
    metric.process({}, [packed['data_samples'].to_dict()])
    assert metric.evaluate(1) == {}
    written = json.loads((tmp_path / f'{VIDEO_B}.json').read_text())
    assert written == [dict(
        name=f'{VIDEO_B}-0000003.jpg', videoName=VIDEO_B, frameIndex=2,
        labels=[dict(id='7', category='car', score=pytest.approx(0.9),
                     box2d=dict(x1=50., y1=400., x2=149., y2=469.))])]

    # train pipeline: key and reference frame of one video
    train_set = _dataset_from_config(cfg, bdd_images['root'],
                                     test_mode=False)
    packed = train_set[(0, 2)]
    frames = packed['data_samples'].video_data_samples
    assert tuple(packed['inputs'].shape) == (2, 3, 720, 1280)
    ref_ids = [f.frame_id for f in frames]
    assert 2 in ref_ids and all(abs(i - 2) <= 3 for i in ref_ids)
    assert len(frames[0].gt_instances) == 9


def _det_samples(dataset, extra_fp=None):
    """Frames whose detections are the ground truth (+ one extra box)."""
    samples = []
    for video in _videos(dataset):
        for info in video['images']:
            arrays = _gt_arrays(info)
            track = TrackDataSample()
            frame = _frame_sample(info, video, arrays)
            bboxes, scores, labels, _ = arrays
            if extra_fp is not None and extra_fp[0] == (
                    info['video_name'], info['frame_index']):
                box, score, label = extra_fp[1]
                bboxes = np.vstack([bboxes, box])
                scores = np.append(scores, score)
                labels = np.append(labels, label)
            frame.pred_instances = InstanceData(
                bboxes=torch.as_tensor(bboxes, dtype=torch.float32),
                scores=torch.as_tensor(scores, dtype=torch.float32),
                labels=torch.as_tensor(labels, dtype=torch.long))
            track.video_data_samples = [frame]
            samples.append(track)
    return samples


def test_bbox_ap_of_detections(bdd, tmp_path):
    """COCO AP of the frames' detections: 100 for the ground truth; a car
    false positive ranked first caps the car's precision at 16 / 17 (16
    cars in the ground truth) at every recall and IoU."""
    dataset = bdd['dataset']
    metric = BDD100KMetric(ann_file=bdd['label_dir'], metric='bbox',
                           outfile_dir=str(tmp_path / 'perfect'))
    res = _run(metric, _det_samples(dataset), dataset)
    assert set(res) == {f'bdd100k/bbox_{k}' for k in (
        'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl')}
    # no ground-truth box is small (< 32 x 32 px): APs is undefined
    assert np.isnan(res.pop('bdd100k/bbox_APs'))
    for value in res.values():
        assert value == pytest.approx(100.0)
    assert (tmp_path / 'perfect' / 'detections' /
            f'{VIDEO_A}.json').is_file()

    fp = ((VIDEO_B, 3), ([900, 600, 1000, 700], 1.0, 2))
    metric = BDD100KMetric(ann_file=bdd['label_dir'],
                           metric=['bbox', 'track'], hota=False)
    res = _run(metric, _det_samples(dataset, fp), dataset)
    per_class = metric.last_results['det']['per_class']
    assert per_class['car']['AP'] == pytest.approx(100 * 16 / 17)
    assert per_class['car']['AP50'] == pytest.approx(100 * 16 / 17)
    assert per_class['truck']['AP'] == pytest.approx(100.0)
    assert res['bdd100k/bbox_AP'] == pytest.approx(
        (7 * 100 + 100 * 16 / 17) / 8)
    # the tracking half is scored on the tracked boxes, unaffected
    assert res['bdd100k/mMOTA'] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="'bbox', 'track'"):
        BDD100KMetric(ann_file='x', metric='segm')
def test_partial_dump_and_input_check(bdd, tmp_path):
    """The frames processed before a failure are written like a full run."""
    dataset = bdd['dataset']
    samples = _track_samples(dataset)
    full = BDD100KMetric(ann_file=bdd['label_dir'],
                         outfile_dir=str(tmp_path / 'full'))
    _run(full, samples, dataset)
    part = BDD100KMetric(ann_file=bdd['label_dir'])
    part.dataset_meta = dataset.metainfo
    part.process({}, [s.to_dict() for s in samples[:4]])
    counts = part.dump_partial(str(tmp_path / 'partial'))
    assert sum(counts.values()) == 4
    for video, n in counts.items():
        written = json.loads(
            (tmp_path / 'partial' / f'{video}.json').read_text())
        complete = json.loads(
            (tmp_path / 'full' / f'{video}.json').read_text())
        assert written == complete[:n]
    part.check_inputs(['x'])
    with pytest.raises(FileNotFoundError,
                       match='BDD100K ground truth not found: .*nope'):
        BDD100KMetric(ann_file=str(tmp_path / 'nope')).check_inputs(['x'])
