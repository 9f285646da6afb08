"""MOT17 converter, half split, evaluation on half-val and the MOT17 config.

A toy benchmark (2 training sequences of 21 frames) is laid out as the
official MOT17 train split: every sequence in three detector copies
``MOT17-0k-{DPM,FRCNN,SDP}`` sharing images and gt, plus a test split.
"""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from qdtrack import register_all_modules
from qdtrack.datasets import CocoVideoDataset
from qdtrack.datasets.mot17 import (
    MOT17FormatError,
    convert_mot17,
    group_mot17_copies,
    half_split_frames,
    mot17_results_from_cocovid,
)
from qdtrack.datasets.mot_files import read_mot_det, read_mot_gt
from qdtrack.datasets.toy import generate_toy_benchmark
from qdtrack.evaluation.functional.mot_challenge import evaluate_mot_challenge
from qdtrack.evaluation.writers.mot import write_mot_results

register_all_modules()

REPO = Path(__file__).parents[2]
MOT17_CFG = REPO / ('configs/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_'
                    'mot17halftrain_test-mot17halfval.py')
TEST_CFG = REPO / 'configs/_base_/datasets/mot17_test.py'
NUM_FRAMES = 21  # odd: half-train frames 1..11, half-val 12..21
DETECTORS = ('DPM', 'FRCNN', 'SDP')
TOY_SEQS = ('TOY-01', 'TOY-02')


def _seqinfo(name, length):
    return (f'[Sequence]\nname={name}\nimDir=img1\nframeRate=10\n'
            f'seqLength={length}\nimWidth=320\nimHeight=240\nimExt=.jpg\n')


def _make_layout(dst, toy, with_test=True):
    """Lay the toy train sequences out as MOT17 train (and test)."""
    dst = Path(dst)
    for k, toy_seq in enumerate(TOY_SEQS, start=1):
        src = toy / 'train' / toy_seq
        for det in DETECTORS:
            name = f'MOT17-{k:02d}-{det}'
            seq = dst / 'train' / name
            (seq / 'gt').mkdir(parents=True)
            (seq / 'det').mkdir()
            (seq / 'img1').symlink_to(src / 'img1')
            (seq / 'seqinfo.ini').write_text(_seqinfo(name, NUM_FRAMES))
            shutil.copy(src / 'gt' / 'gt.txt', seq / 'gt' / 'gt.txt')
            shutil.copy(src / 'det' / 'det.txt', seq / 'det' / 'det.txt')
    if with_test:
        src = toy / 'train' / TOY_SEQS[0]
        for det in DETECTORS:
            name = f'MOT17-08-{det}'
            seq = dst / 'test' / name
            (seq / 'det').mkdir(parents=True)
            (seq / 'img1').symlink_to(src / 'img1')
            (seq / 'seqinfo.ini').write_text(_seqinfo(name, NUM_FRAMES))
            shutil.copy(src / 'det' / 'det.txt', seq / 'det' / 'det.txt')
    return dst


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=3, num_train=2, num_val=0,
                           num_frames=NUM_FRAMES, progress=False)
    return root


@pytest.fixture(scope='module')
def converted(toy, tmp_path_factory):
    root = _make_layout(tmp_path_factory.mktemp('mot17'), toy)
    summary = convert_mot17(root, progress=False)
    coco = {split: json.loads(Path(path).read_text())
            for split, path in summary['files'].items()}
    return root, summary, coco


def _raw_gt(toy, k):
    """Rows of the k-th toy sequence (1-based)."""
    return read_mot_gt(str(toy / 'train' / TOY_SEQS[k - 1] / 'gt/gt.txt'))


def _kept(data):
    """The pedestrians of a CocoVID dict (no ignore regions)."""
    return [a for a in data['annotations'] if not a.get('ignore', 0)]


def _pedestrians(gt, lo, hi):
    keep = (gt[:, 7] == 1) & (gt[:, 6] == 1) & (gt[:, 0] >= lo) & (
        gt[:, 0] <= hi)
    return gt[keep]


# ---------------------------------------------------------------- split rule
def test_half_split_rule():
    halves = half_split_frames(600)  # MOT17-02
    assert (halves['half-train'][0], halves['half-train'][-1]) == (1, 301)
    assert (halves['half-val'][0], halves['half-val'][-1]) == (302, 600)
    assert len(halves['half-val']) == 299
    halves = half_split_frames(21)
    assert halves['half-train'].tolist() == list(range(1, 12))
    assert halves['half-val'].tolist() == list(range(12, 22))
    assert half_split_frames(2)['half-val'].tolist() == []
    assert half_split_frames(1)['half-train'].tolist() == [1]
    with pytest.raises(ValueError, match='>= 1'):
        half_split_frames(0)


def test_group_copies(converted):
    root = converted[0]
    groups = group_mot17_copies(str(root / 'train'))
    assert list(groups) == ['MOT17-01', 'MOT17-02']
    assert groups['MOT17-02'] == {
        'DPM': 'MOT17-02-DPM', 'FRCNN': 'MOT17-02-FRCNN',
        'SDP': 'MOT17-02-SDP'
    }


# ------------------------------------------------------------- the JSON files
def test_cocovid_counts_and_ids(converted, toy):
    root, summary, coco = converted
    assert sorted(coco) == ['half-train', 'half-val', 'test', 'train']
    ranges = {'train': (1, 21), 'half-train': (1, 11), 'half-val': (12, 21)}
    for split, (lo, hi) in ranges.items():
        data = coco[split]
        assert [v['name'] for v in data['videos']] == [
            'MOT17-01-FRCNN', 'MOT17-02-FRCNN'
        ]
        assert data['categories'] == [dict(id=1, name='pedestrian')]
        assert len(data['images']) == 2 * (hi - lo + 1)
        expected = [_pedestrians(_raw_gt(toy, k), lo, hi) for k in (1, 2)]
        assert len(_kept(data)) == sum(len(e) for e in expected)
        all_rows = sum(
            int(((g[:, 0] >= lo) & (g[:, 0] <= hi)).sum())
            for g in (_raw_gt(toy, 1), _raw_gt(toy, 2)))
        assert summary['splits'][split]['dropped_rows'] == \
            all_rows - len(data['annotations'])
        # ids 1..N, consecutive, never 0; one id per (video, MOT id)
        ids = sorted({a['instance_id'] for a in _kept(data)})
        num_ids = sum(len(np.unique(e[:, 1])) for e in expected)
        assert ids == list(range(1, num_ids + 1))
        assert summary['splits'][split]['instances'] == num_ids
        video_of = {i['id']: i['video_id'] for i in data['images']}
        pairs = {(video_of[a['image_id']], a['mot_instance_id'],
                  a['instance_id'])
                 for a in _kept(data)}
        assert len(pairs) == num_ids
        # frame numbers: frame_id 0-based in the (half) video, mot_frame_id
        # the original number; file names follow it
        first = data['images'][0]
        assert (first['frame_id'], first['mot_frame_id']) == (0, lo)
        assert first['file_name'] == f'train/MOT17-01-FRCNN/img1/{lo:06d}.jpg'
        assert (root / first['file_name']).is_file()
        last = data['images'][hi - lo]
        assert (last['video_id'], last['frame_id'],
                last['mot_frame_id']) == (1, hi - lo, hi)
    # the first training video's boxes equal its consider=1 pedestrians
    gt1 = _pedestrians(_raw_gt(toy, 1), 1, 21)
    frame_of = {i['id']: i['mot_frame_id'] for i in coco['train']['images']
                if i['video_id'] == 1}
    got = np.array([[frame_of[a['image_id']], a['mot_instance_id'],
                     *a['bbox'], a['visibility']]
                    for a in _kept(coco['train'])
                    if a['image_id'] in frame_of])
    want = gt1[np.lexsort((gt1[:, 1], gt1[:, 0]))][:, [0, 1, 2, 3, 4, 5, 8]]
    np.testing.assert_array_equal(got, want)
    # an identity seen in both halves has one MOT id, two CocoVID files
    assert summary['splits']['half-train']['instances'] + \
        summary['splits']['half-val']['instances'] > \
        summary['splits']['train']['instances']


def test_matches_toy_generator_pedestrians(converted, toy):
    """Independent check: the toy generator's own CocoVID pedestrians."""
    coco = converted[2]['train']
    ref = json.loads((toy / 'annotations/train_cocoformat.json').read_text())
    ref_peds = [a for a in _kept(ref) if a['category_id'] == 1]
    assert len(_kept(coco)) == len(ref_peds)
    ref_frame = {i['id']: (i['video_id'], i['mot_frame_id'])
                 for i in ref['images']}
    our_frame = {i['id']: (i['video_id'], i['mot_frame_id'])
                 for i in coco['images']}
    key = sorted((*ref_frame[a['image_id']], *a['bbox']) for a in ref_peds)
    ours = sorted((*our_frame[a['image_id']], *a['bbox'])
                  for a in _kept(coco))
    assert ours == key


def test_test_split_keeps_all_copies(converted):
    _, summary, coco = converted
    test = coco['test']
    assert [v['name'] for v in test['videos']] == [
        'MOT17-08-DPM', 'MOT17-08-FRCNN', 'MOT17-08-SDP'
    ]
    assert len(test['images']) == 3 * NUM_FRAMES
    assert test['annotations'] == []
    assert test['images'][NUM_FRAMES]['file_name'] == \
        'test/MOT17-08-FRCNN/img1/000001.jpg'
    assert summary['splits']['test']['videos'] == 3


def test_half_gt_files(converted, toy):
    root, summary, _ = converted
    assert len(summary['gt_files']) == 4  # 2 sequences x 2 halves (FRCNN)
    original = (toy / 'train/TOY-02/gt/gt.txt').read_text().splitlines()
    gt_dir = root / 'train/MOT17-02-FRCNN/gt'
    train = (gt_dir / 'gt_half-train.txt').read_text().splitlines()
    val = (gt_dir / 'gt_half-val.txt').read_text().splitlines()
    assert train == [ln for ln in original if int(ln.split(',')[0]) <= 11]
    assert val == [ln for ln in original if int(ln.split(',')[0]) >= 12]
    assert len(train) + len(val) == len(original)
    assert not (root / 'train/MOT17-02-DPM/gt/gt_half-val.txt').exists()


# ------------------------------------------------------------ dataset loading
def _dataset(root, split, **kwargs):
    return CocoVideoDataset(
        data_root=str(root),
        ann_file=f'annotations/{split}_cocoformat.json',
        metainfo=dict(classes=('pedestrian', )),
        data_prefix=dict(img_path=''),
        test_mode=True,
        pipeline=[],
        lazy_init=False,
        **kwargs)


def test_coco_video_dataset_loads_both_halves(converted):
    root, summary, coco = converted
    train = _dataset(root, 'half-train')
    val = _dataset(root, 'half-val',
                   public_det_file='train/{video}/det/det.txt')
    assert len(train) == len(val) == 2
    assert [train.get_data_info(i)['video_length'] for i in (0, 1)] == \
        [11, 11]
    video = val.get_data_info(1)
    assert (video['video_name'], video['video_length']) == (
        'MOT17-02-FRCNN', 10)
    assert [f['mot_frame_id'] for f in video['images']] == list(
        range(12, 22))
    num = sum(len(f['instances']) for i in (0, 1)
              for f in val.get_data_info(i)['images'])
    assert num == len(coco['half-val']['annotations'])
    num_ignore = sum(inst['ignore_flag'] for i in (0, 1)
                     for f in val.get_data_info(i)['images']
                     for inst in f['instances'])
    assert num_ignore == summary['splits']['half-val']['ignore_regions'] > 0
    # public detections are looked up by the original frame number
    det = read_mot_det(str(root / 'train/MOT17-02-FRCNN/det/det.txt'))
    rows = det[det[:, 0] == 12]
    public = video['images'][0]['public_detections']
    assert public.shape == (len(rows), 5)
    np.testing.assert_allclose(public[:, 2] - public[:, 0], rows[:, 4],
                               rtol=1e-5)


# ---------------------------------------------------- evaluation on half-val
def _perfect_results(coco, out_dir):
    out_dir.mkdir()
    rows = {}
    for video in coco['videos']:
        rows[video['name']] = mot17_results_from_cocovid(coco, video['name'])
        write_mot_results(out_dir / f'{video["name"]}.txt',
                          rows[video['name']])
    return rows


def test_evaluate_half_val_perfect_and_id_switches(converted, tmp_path):
    root, _, coco = converted
    val = coco['half-val']
    seqs = [v['name'] for v in val['videos']]
    rows = _perfect_results(val, tmp_path / 'perfect')
    assert rows['MOT17-01-FRCNN'][:, 0].min() == 12  # original numbers
    kwargs = dict(seq_names=seqs, gt_file='{seq}/gt/gt_half-val.txt',
                  progress=False)
    res = evaluate_mot_challenge(root / 'train', tmp_path / 'perfect',
                                 **kwargs)['COMBINED']
    num_dets = len(_kept(val))
    assert res['GT_Dets'] == num_dets
    assert res['HOTA'] == pytest.approx(100.0)
    assert res['MOTA'] == pytest.approx(100.0)
    assert res['IDF1'] == pytest.approx(100.0)
    assert (res['IDSW'], res['FP'], res['FN']) == (0, 0, 0)

    # one identity switch: a track takes a new id from some frame on
    seq = rows['MOT17-02-FRCNN']
    track_ids, counts = np.unique(seq[:, 1], return_counts=True)
    tid = track_ids[np.argmax(counts)]
    frames = np.sort(seq[seq[:, 1] == tid, 0])
    switch_at = frames[len(frames) // 2]
    switched = seq.copy()
    later = (switched[:, 1] == tid) & (switched[:, 0] >= switch_at)
    switched[later, 1] = seq[:, 1].max() + 1
    (tmp_path / 'switch').mkdir()
    write_mot_results(tmp_path / 'switch/MOT17-01-FRCNN.txt',
                      rows['MOT17-01-FRCNN'])
    write_mot_results(tmp_path / 'switch/MOT17-02-FRCNN.txt', switched)
    res = evaluate_mot_challenge(root / 'train', tmp_path / 'switch',
                                 **kwargs)['COMBINED']
    assert res['IDSW'] == 1
    assert res['MOTA'] == pytest.approx(100.0 * (1 - 1 / num_dets))
    assert res['IDF1'] < 100.0
    assert (res['FP'], res['FN']) == (0, 0)


def test_mot_challenge_metric_with_half_val_gt(converted):
    from qdtrack.evaluation.metrics.mot_challenge_metric import (
        MOTChallengeMetric,
    )

    root, _, coco = converted
    val = coco['half-val']
    metric = MOTChallengeMetric(gt_root=str(root / 'train'),
                                gt_file='gt_half-val.txt')
    results = [
        dict(video=v['name'], video_length=10,
             rows=mot17_results_from_cocovid(val, v['name']))
        for v in val['videos']
    ]
    values = metric.compute_metrics(results)
    assert values['HOTA'] == pytest.approx(100.0)
    assert values['IDF1'] == pytest.approx(100.0)
    assert values['GT_Dets'] == len(_kept(val))


# ------------------------------------------------------------------- errors
def test_missing_train_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='train folder not found'):
        convert_mot17(tmp_path, progress=False)


def test_sequence_without_gt(toy, tmp_path):
    root = _make_layout(tmp_path / 'mot17', toy, with_test=False)
    for det in DETECTORS:
        (root / f'train/MOT17-02-{det}/gt/gt.txt').unlink()
    with pytest.raises(FileNotFoundError,
                       match=r'MOT17-02-DPM/gt/gt\.txt: ground truth'):
        convert_mot17(root, progress=False)
    assert not (root / 'annotations').exists()


def test_mismatched_detector_copies(toy, tmp_path):
    root = _make_layout(tmp_path / 'mot17', toy, with_test=False)
    path = root / 'train/MOT17-01-SDP/gt/gt.txt'
    lines = path.read_text().splitlines()
    fields = lines[4].split(',')
    fields[2] = str(int(fields[2]) + 3)
    lines[4] = ','.join(fields)
    path.write_text('\n'.join(lines) + '\n')
    with pytest.raises(MOT17FormatError,
                       match=r'MOT17-01-SDP/gt/gt\.txt differs from .*'
                       r'MOT17-01-DPM/gt/gt\.txt \(first difference at row '
                       r'5'):
        convert_mot17(root, progress=False)
    # a different length in seqinfo.ini is caught too
    shutil.copy(toy / 'train/TOY-01/gt/gt.txt', path)
    (root / 'train/MOT17-02-DPM/seqinfo.ini').write_text(
        _seqinfo('MOT17-02-DPM', NUM_FRAMES - 1))
    with pytest.raises(MOT17FormatError, match='seqLength = 21 in'):
        convert_mot17(root, progress=False)


def test_missing_detector_copy(toy, tmp_path):
    root = _make_layout(tmp_path / 'mot17', toy, with_test=False)
    shutil.rmtree(root / 'train/MOT17-02-SDP')
    with pytest.raises(MOT17FormatError,
                       match='MOT17-02 has no SDP copy'):
        convert_mot17(root, detector='SDP', progress=False)
    with pytest.raises(ValueError, match='detector must be one of'):
        convert_mot17(root, detector='YOLO', progress=False)


# ---------------------------------------------------------------------- CLI
def test_cli_full_split_all_detectors(toy, tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'convert_mot17', REPO / 'tools/convert_mot17.py')
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)

    root = _make_layout(tmp_path / 'mot17', toy, with_test=False)
    out = tmp_path / 'ann'
    assert cli.main([str(root), '--out-dir', str(out), '--split-train',
                     'full', '--detector', 'all', '--no-progress']) == 0
    assert sorted(p.name for p in out.iterdir()) == ['train_cocoformat.json']
    train = json.loads((out / 'train_cocoformat.json').read_text())
    assert len(train['videos']) == 6
    assert len(train['images']) == 6 * NUM_FRAMES
    printed = capsys.readouterr().out
    assert 'train: 6 videos, 126 images' in printed
    assert 'test split skipped' in printed
    assert not (root / 'train/MOT17-01-FRCNN/gt/gt_half-val.txt').exists()

    assert cli.main([str(tmp_path / 'nowhere'), '--no-progress']) == 1
    assert 'train folder not found' in capsys.readouterr().err


# ------------------------------------------------------------------- configs
def test_mot17_config_values():
    cfg = Config.fromfile(MOT17_CFG)
    assert cfg.optim_wrapper.optimizer.lr == 0.02
    assert cfg.optim_wrapper.clip_grad.max_norm == 35
    assert cfg.train_cfg.max_epochs == 4
    assert cfg.param_scheduler[-1].milestones == [3]
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.auto_scale_lr.base_batch_size == 16
    det = cfg.model.detector
    assert det.roi_head.bbox_head.num_classes == 1
    assert det.backbone.style == 'caffe'
    assert cfg.model.tracker.init_score_thr == 0.9
    assert cfg.model.tracker.num_frames_retain == 30
    assert cfg.train_dataloader.dataset.metainfo.classes == ('pedestrian', )
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert pipeline[0].frame_range == 10
    assert [t.type for p in pipeline[1:4] for t in p.transforms] == [
        'LoadImageFromFile', 'LoadTrackAnnotations', 'RandomResize',
        'PhotoMetricDistortion', 'RandomCrop', 'RandomFlip'
    ]
    assert pipeline[1].transforms[2].scale == (1088, 1088)
    assert cfg.val_evaluator.gt_file == 'gt_half-val.txt'
    assert cfg.val_evaluator.gt_root == 'data/MOT17/train'
    test_cfg = Config.fromfile(TEST_CFG)
    assert test_cfg.test_evaluator.format_only is True
    assert test_cfg.test_dataloader.dataset.ann_file == \
        'annotations/test_cocoformat.json'
    assert test_cfg.train_dataloader.dataset.ann_file == \
        'annotations/train_cocoformat.json'


def test_mot17_config_pipelines_run(converted):
    from qdtrack.registry import DATASETS

    root = converted[0]
    cfg = Config.fromfile(MOT17_CFG)
    val_cfg = cfg.val_dataloader.dataset
    val_cfg.update(data_root=str(root),
                   public_det_file='train/{video}/det/det.txt')
    val = DATASETS.build(val_cfg)
    sample = val[0]['data_samples'][0]
    assert sample.video_name == 'MOT17-01-FRCNN'
    assert sample.mot_frame_id == 12
    assert sample.img_shape == (816, 1088)  # 320x240 scaled by 3.4
    assert sample.public_detections.shape[1] == 5

    train_cfg = cfg.train_dataloader.dataset
    train_cfg.data_root = str(root)
    train = DATASETS.build(train_cfg)
    packed = train[(1, 5)]
    frames = packed['data_samples']
    assert len(frames) == 2  # key and reference frame
    assert abs(frames[0].frame_id - frames[1].frame_id) <= 10
    assert packed['inputs'].shape[0] == 2


def test_distractors_and_consider0_become_ignore_regions(converted, toy,
                                                         tmp_path):
    """Classes 2, 7, 8, 12 and consider-0 pedestrians: ignore regions of
    pedestrian with negative ids; --no-ignore-regions drops them."""
    _, summary, coco = converted
    gt = _raw_gt(toy, 1)
    want = gt[np.isin(gt[:, 7], (2, 7, 8, 12)) |
              ((gt[:, 7] == 1) & (gt[:, 6] == 0))]
    assert len(want) > 0
    frame_of = {i['id']: i['mot_frame_id'] for i in coco['train']['images']
                if i['video_id'] == 1}
    ignores = [a for a in coco['train']['annotations'] if a.get('ignore')]
    got = sorted((frame_of[a['image_id']], a['mot_instance_id'],
                  *a['bbox'], a['mot_class']) for a in ignores
                 if a['image_id'] in frame_of)
    assert got == sorted(tuple(r) for r in want[:, [0, 1, 2, 3, 4, 5, 7]]
                         .tolist())
    assert all(a['category_id'] == 1 and a['iscrowd'] == 1 and
               a['instance_id'] < 0 for a in ignores)
    assert len({a['instance_id'] for a in ignores}) == len(ignores)
    stats = summary['splits']['train']
    assert stats['ignore_regions'] == len(ignores)
    assert stats['annotations'] == len(_kept(coco['train']))
    # toy classes 3 (car) and 4 (bicycle) stay dropped
    assert stats['dropped_rows'] == sum(
        int((~np.isin(_raw_gt(toy, k)[:, 7], (1, 2, 7, 8, 12))).sum())
        for k in (1, 2))
    # without the flag: the public converter's files (pedestrians only)
    root = _make_layout(tmp_path / 'mot17', toy, with_test=False)
    plain = convert_mot17(root, split_train='full', ignore_distractors=False,
                          progress=False)
    data = json.loads(Path(plain['files']['train']).read_text())
    def no_id(anns):
        return [{k: v for k, v in a.items() if k != 'id'} for a in anns]

    assert no_id(data['annotations']) == no_id(_kept(coco['train']))
    assert plain['splits']['train']['ignore_regions'] == 0
    # the dataset drops ignore regions on request
    ds = CocoVideoDataset(
        data_root=str(converted[0]),
        ann_file='annotations/train_cocoformat.json',
        metainfo=dict(classes=('pedestrian', )), data_prefix=dict(
            img_path=''), test_mode=True, pipeline=[], with_ignore=False)
    assert all(inst['ignore_flag'] == 0 for f in ds.get_data_info(0)[
        'images'] for inst in f['instances'])
