"""Self-training proposals: the boxes of a MASA model's distillation head."""
import json
import os.path as osp
import runpy

import cv2
import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TOY = osp.join(ROOT, 'configs', 'masa', 'masa_toy_static.py')
NO_DISTILL = osp.join(ROOT, 'configs', 'masa', 'ablations',
                      'masa_toy_static_no-distill.py')


def _checkpoint(config, path):
    """A checkpoint of the config's model with random weights."""
    from qdtrack.apis import init_tracker
    torch.manual_seed(0)
    model = init_tracker(config, random_weights=True)
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return str(path)


@pytest.fixture(scope='module')
def toy_ckpt(tmp_path_factory):
    return _checkpoint(TOY, tmp_path_factory.mktemp('masa') / 'toy.pth')


def _frame(seed, height=480, width=640):
    """A frame of coloured rectangles on grey, twice the toy test size."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 110, np.uint8)
    for _ in range(6):
        x, y = rng.integers(0, width - 80), rng.integers(0, height - 120)
        img[y:y + rng.integers(40, 120), x:x + rng.integers(20, 80)] = \
            rng.integers(0, 255, 3)
    return img


def test_detect_gives_the_distillation_head_boxes(toy_ckpt):
    """``detect`` on a MASA model: its distillation head's boxes in the
    frame's pixels (the network sees the 640x480 frame at the toy test
    size, 320x240, so its own boxes there are half as large)."""
    from qdtrack.apis import detect, init_detector
    from qdtrack.apis.detection import tracking_frame
    model = init_detector(TOY, toy_ckpt)
    img = _frame(0)
    bboxes, scores, labels = detect(model, img)
    assert 0 < len(scores) <= 50  # the toy RoI head's max_per_img
    assert (scores >= 0.05).all() and (labels == 0).all()
    x, frame = tracking_frame(model, img)
    assert frame.img_shape == (240, 320)
    with torch.no_grad():
        feats = model.extract_feat(x)
        small = model.roi_head.predict(
            feats, model.rpn_head.predict(feats, [frame]), [frame],
            rescale=False)[0]
    np.testing.assert_allclose(bboxes, small.bboxes.numpy() * 2, rtol=1e-5,
                               atol=1e-3)
    np.testing.assert_allclose(scores, small.scores.numpy())


def test_make_proposals_masa_source(toy_ckpt, tmp_path):
    """``--source masa``: the file holds each image's boxes of ``detect``
    with the RoI head's limits set by the tool (``--max-per-image``, score
    threshold 0), best first, without masks; the settings are stored."""
    from qdtrack.apis import detect, init_detector
    folder = tmp_path / 'imgs'
    folder.mkdir()
    for i in range(2):
        cv2.imwrite(str(folder / f'{i}.png'), _frame(i))
    tool = runpy.run_path(osp.join(ROOT, 'tools/masa/make_proposals.py'))
    out = str(tmp_path / 'p.json')
    stats = tool['main']([str(folder), out, '--source', 'masa',
                          '--masa-config', TOY, '--masa-checkpoint',
                          toy_ckpt, '--max-per-image', '80',
                          '--no-progress'])
    data = json.loads(open(out).read())
    assert data['info']['proposals'] == dict(
        source='masa', config=TOY, checkpoint=toy_ckpt, max_per_image=80,
        score_thr=0.0)
    model = init_detector(TOY, toy_ckpt, cfg_options={
        'model.test_cfg.rcnn.max_per_img': 80,
        'model.test_cfg.rcnn.score_thr': 0.0})
    names = {im['id']: im['file_name'] for im in data['images']}
    assert sorted(names.values()) == ['0.png', '1.png']
    total = 0
    for image_id, name in names.items():
        anns = [a for a in data['annotations'] if a['image_id'] == image_id]
        assert all('segmentation' not in a for a in anns)
        got_scores = [a['score'] for a in anns]
        assert got_scores == sorted(got_scores, reverse=True)
        bboxes, scores, _ = detect(model, cv2.imread(str(folder / name)))
        assert 50 < len(anns) == len(scores) <= 80  # more than the config's
        order = np.argsort(-scores, kind='stable')
        want = bboxes[order]
        got = np.array([a['bbox'] for a in anns])
        np.testing.assert_allclose(got[:, :2], want[:, :2], atol=1e-3)
        np.testing.assert_allclose(got[:, 2:], want[:, 2:] - want[:, :2],
                                   atol=1e-3)
        np.testing.assert_allclose(got_scores, scores[order], rtol=1e-6)
        total += len(anns)
    assert stats['proposals'] == total


def test_masa_source_refusals(toy_ckpt, tmp_path):
    from qdtrack.datasets.masa import MASAProposals
    tool = runpy.run_path(osp.join(ROOT, 'tools/masa/make_proposals.py'))
    folder = tmp_path / 'imgs'
    folder.mkdir()
    cv2.imwrite(str(folder / '0.png'), _frame(0))
    with pytest.raises(SystemExit, match='needs --masa-config and '
                       '--masa-checkpoint'):
        tool['main']([str(folder), str(tmp_path / 'p.json'), '--source',
                      'masa', '--masa-config', TOY])
    missing = str(tmp_path / 'nowhere.pth')
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        MASAProposals(TOY, missing)
    with pytest.raises(ValueError, match='no-distill.py: the model .* no '
                       'distillation head'):
        MASAProposals(NO_DISTILL, toy_ckpt)
