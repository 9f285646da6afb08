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
