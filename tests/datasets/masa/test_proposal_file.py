"""Proposal files: COCO layout, unique ids, RLE masks, resuming, sources."""
import json

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from qdtrack.datasets.masa import (
    DetectorResultProposals,
    Proposal,
    ProposalFile,
    ProposalFileError,
    images_in_coco_json,
    images_in_folder,
    mask_to_box,
    propose_images,
    sample_video,
)


def _mask(h, w, x1, y1, x2, y2):
    m = np.zeros((h, w), bool)
    m[y1:y2, x1:x2] = True
    return m


def test_mask_to_box_uses_pixel_edges():
    m = _mask(10, 12, 3, 2, 6, 9)
    assert mask_to_box(m).tolist() == [3, 2, 6, 9]


def test_file_layout_ids_and_rle(tmp_path):
    path = str(tmp_path / 'p.json')
    out = ProposalFile(path, dict(source='x', k=1))
    m = _mask(8, 10, 2, 1, 5, 7)
    out.add('a.jpg', 8, 10, [Proposal(mask_to_box(m), 0.9, m),
                             Proposal(np.array([0, 0, 4, 2.5]), 0.5)])
    out.add('b.jpg', 8, 10, [Proposal(np.array([1, 1, 3, 3]), 0.7)])
    out.save()
    data = json.loads(open(path).read())
    assert data['categories'] == [{'id': 1, 'name': 'object'}]
    assert [i['id'] for i in data['images']] == [1, 2]
    anns = data['annotations']
    assert [a['id'] for a in anns] == [1, 2, 3]
    assert all(a['instance_id'] == a['id'] > 0 for a in anns)
    assert anns[0]['bbox'] == [2, 1, 3, 6] and anns[0]['area'] == 18
    assert anns[1]['bbox'] == [0, 0, 4, 2.5] and anns[1]['area'] == 10
    assert 'segmentation' not in anns[1]
    assert (mask_utils.decode(anns[0]['segmentation']) == m).all()
    assert data['info']['proposals'] == dict(source='x', k=1)


def test_resume_continues_ids_and_refuses_other_settings(tmp_path):
    path = str(tmp_path / 'p.json')
    out = ProposalFile(path, dict(source='x'))
    out.add('a.jpg', 4, 4, [Proposal(np.array([0, 0, 2, 2]), 1.0)] * 2)
    out.save()
    again = ProposalFile(path, dict(source='x'))
    assert 'a.jpg' in again and 'b.jpg' not in again
    assert again.add('b.jpg', 4, 4, [Proposal(np.array([0, 0, 1, 1]), 1.)
                                     ]) == 2
    again.save()
    data = json.loads(open(path).read())
    assert [a['id'] for a in data['annotations']] == [1, 2, 3]
    with pytest.raises(ProposalFileError, match='already in'):
        again.add('a.jpg', 4, 4, [])
    with pytest.raises(ProposalFileError, match='made with'):
        ProposalFile(path, dict(source='y'))
    (tmp_path / 'bad.json').write_text('{"images": [')
    with pytest.raises(ProposalFileError, match='bad.json: not valid JSON'):
        ProposalFile(str(tmp_path / 'bad.json'), dict(source='x'))


def _images(folder, n):
    (folder / 'sub').mkdir(parents=True)
    for i in range(n):
        img = np.full((12, 16, 3), 20 * i, np.uint8)
        name = f'sub/{i}.png' if i % 2 else f'{i}.jpg'
        cv2.imwrite(str(folder / name), img)


def test_propose_images_resumes_where_it_stopped(tmp_path):
    _images(tmp_path / 'imgs', 3)
    images = images_in_folder(str(tmp_path / 'imgs'))
    assert images.names == ['0.jpg', '2.jpg', 'sub/1.png']
    calls = []

    def source(img):
        calls.append(img.shape)
        return [Proposal(np.array([1, 1, 5, 4]), 0.5)]

    out = str(tmp_path / 'p.json')
    first = type(images)(images.root, images.names[:2])  # interrupted run
    stats = propose_images(first, source, out, dict(source='t'),
                           save_every=1, progress=False)
    assert stats['new_images'] == 2 and len(calls) == 2
    stats = propose_images(images, source, out, dict(source='t'),
                           progress=False)
    assert {k: stats[k] for k in ('images', 'proposals', 'new_images')} == \
        dict(images=3, proposals=3, new_images=1)
    assert stats['seconds_per_image'] >= 0
    assert stats['cpu_seconds_per_image'] >= 0
    assert len(calls) == 3 and calls[-1] == (12, 16, 3)
    data = json.loads(open(out).read())
    assert [i['file_name'] for i in data['images']] == images.names
    assert sorted({a['id'] for a in data['annotations']}) == [1, 2, 3]


def test_images_of_a_cocovid_json_and_detector_results(tmp_path):
    _images(tmp_path / 'root' / 'train', 2)
    ann = tmp_path / 'root' / 'annotations' / 'train.json'
    ann.parent.mkdir()
    ann.write_text(json.dumps(dict(
        videos=[dict(id=1, name='v')],
        images=[dict(id=7, file_name='train/0.jpg', video_id=1, frame_id=0),
                dict(id=9, file_name='train/sub/1.png', video_id=1,
                     frame_id=1)])))
    images = images_in_coco_json(str(ann))
    assert images.names == ['train/0.jpg', 'train/sub/1.png']
    assert images.image_ids == [7, 9]
    results = tmp_path / 'dets.json'
    m = _mask(12, 16, 2, 3, 6, 8)
    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode()
    results.write_text(json.dumps([
        dict(image_id=9, bbox=[1, 2, 3, 4], score=0.2, category_id=3),
        dict(image_id=9, bbox=[2, 3, 4, 5], score=0.9, category_id=3,
             segmentation=rle),
        dict(image_id=9, bbox=[5, 5, 2, 2], score=0.6, category_id=1)]))
    src = DetectorResultProposals(str(results), score_thr=0.3)
    props = src(9)
    assert [p.score for p in props] == [0.9, 0.6]
    assert props[0].bbox.tolist() == [2, 3, 6, 8]
    assert (props[0].mask == m).all() and props[1].mask is None
    assert src(7) == []
    out = str(tmp_path / 'p.json')
    propose_images(images, src, out, src.settings(), by_image_id=True,
                   progress=False)
    data = json.loads(open(out).read())
    assert len(data['annotations']) == 2
    assert {a['image_id'] for a in data['annotations']} == {2}


def test_sample_video_every_nth_frame(tmp_path):
    video = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 10,
                             (32, 24))
    for i in range(10):
        writer.write(np.full((24, 32, 3), 25 * i, np.uint8))
    writer.release()
    images = sample_video(video, str(tmp_path / 'frames'), every=3)
    assert images.names == [f'clip_{i:06d}.jpg' for i in (0, 3, 6, 9)]
    frame = cv2.imread(str(tmp_path / 'frames' / 'clip_000006.jpg'))
    assert frame.shape == (24, 32, 3)
    assert abs(float(frame.mean()) - 150) < 3
    half = sample_video(video, str(tmp_path / 'small'), every=5, max_side=16)
    assert half.names == ['clip_000000.jpg', 'clip_000005.jpg']
    assert cv2.imread(str(tmp_path / 'small' / half.names[1])).shape == (
        12, 16, 3)
    with pytest.raises(ValueError, match='cannot be read as a video'):
        sample_video(str(tmp_path / 'none.mp4'), str(tmp_path / 'f'), 1)


def test_proposal_recall_hand_computed(tmp_path):
    from qdtrack.datasets.masa import proposal_recall
    props = tmp_path / 'p.json'
    gt = tmp_path / 'gt.json'
    images = [dict(id=1, file_name='a.jpg'), dict(id=2, file_name='b.jpg')]
    props.write_text(json.dumps(dict(images=images, annotations=[
        dict(image_id=1, bbox=[0, 0, 10, 10], score=0.2),
        dict(image_id=1, bbox=[50, 50, 40, 40], score=0.5),
        dict(image_id=1, bbox=[0, 0, 3, 3], score=0.9),
        dict(image_id=2, bbox=[5, 5, 10, 10], score=0.1)])))
    # ids differ from the proposal file: images are matched by file name
    gt_images = [dict(id=7, file_name='a.jpg'), dict(id=8, file_name='b.jpg')]
    gt.write_text(json.dumps(dict(images=gt_images, annotations=[
        dict(image_id=7, bbox=[0, 0, 10, 12]),     # IoU 100/120: hit
        dict(image_id=7, bbox=[60, 60, 40, 40]),   # IoU 900/2300: miss
        dict(image_id=8, bbox=[10, 10, 10, 10]),   # IoU 25/175: miss
        dict(image_id=8, bbox=[5, 5, 10, 10], iscrowd=1)])))
    stats = proposal_recall(str(props), str(gt))
    assert stats['images'] == 2
    assert stats['proposals_per_image'] == dict(mean=2.0, median=2.0, min=1,
                                                max=3)
    assert stats['gt_boxes'] == 3
    assert stats['recall'] == pytest.approx(1 / 3)
    assert stats['recall_by_size'] == dict(
        small=dict(recall=0.5, gt_boxes=2), medium=dict(recall=0.0,
                                                       gt_boxes=1))
    assert stats['median_size'] == [10.0, 10.0]  # sides 10, 40, 3, 10
    # a.jpg: [0, 0, 10, 10] is its first true box (IoU 0.83), the 3 x 3
    # box lies inside it at under half its area (a part); [50, 50, 40, 40]
    # covers 56 % of the second (neither); b.jpg's box is neither
    assert stats['object_share'] == 0.25
    assert stats['part_share'] == 0.25
    # the best 2 of a.jpg by score (0.9, 0.5) miss its first true box; by
    # score x area (0.5 * 1600, 0.2 * 100 > 0.9 * 9) they find it
    top = proposal_recall(str(props), str(gt), top=2)
    assert top['proposals_per_image']['mean'] == 1.5
    assert top['recall'] == 0.0
    top = proposal_recall(str(props), str(gt), top=2, area_weight=1.0)
    assert top['recall'] == pytest.approx(1 / 3)


def test_make_proposals_tool_every_nth_image_of_a_folder(tmp_path):
    import os.path as osp
    import runpy
    _images(tmp_path / 'imgs', 5)
    root = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))
    tool = runpy.run_path(osp.join(root, 'tools/masa/make_proposals.py'))
    out = str(tmp_path / 'p.json')
    stats = tool['main']([str(tmp_path / 'imgs'), out, '--every', '2',
                          '--no-progress'])
    assert stats['images'] == 3  # 0.jpg, 2.jpg, 4.jpg of 5 (sorted paths)
    data = json.loads(open(out).read())
    assert [i['file_name'] for i in data['images']] == ['0.jpg', '4.jpg',
                                                        'sub/3.png']
    assert data['info']['proposals']['source'] == 'felzenszwalb'


def test_make_proposals_tool_tuned_felzenszwalb_settings(tmp_path):
    """--scales, --sigma, --score and --area-weight reach the source and
    are stored in the file."""
    import os.path as osp
    import runpy
    _images(tmp_path / 'imgs', 2)
    root = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))
    tool = runpy.run_path(osp.join(root, 'tools/masa/make_proposals.py'))
    out = str(tmp_path / 'p.json')
    tool['main']([str(tmp_path / 'imgs'), out, '--scales', '50', '150',
                  '--sigma', '0.5', '--score', 'boundary', '--area-weight',
                  '0.5', '--no-progress', '--no-masks'])
    settings = json.loads(open(out).read())['info']['proposals']
    assert settings['scales'] == [50.0, 150.0]
    assert settings['sigma'] == 0.5
    assert settings['score'] == 'boundary'
    assert settings['area_weight'] == 0.5
    # a rerun with other settings refuses to mix them into the file
    from qdtrack.datasets.masa.proposal_file import ProposalFileError
    with pytest.raises(ProposalFileError, match=r"'scales': \[50.0, 150.0\]"
                       r".*not .*'scales': \[150.0, 450.0\]"):
        tool['main']([str(tmp_path / 'imgs'), out, '--no-progress',
                      '--no-masks'])
