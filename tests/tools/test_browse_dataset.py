"""tools/analysis/browse_dataset.py on a generated toy split."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from qdtrack.apis.draw import id_color
from qdtrack.datasets.toy import generate_toy_benchmark

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import browse_dataset  # noqa: E402

CONFIG = osp.join(ROOT, 'configs/qdtrack/qdtrack_faster-rcnn_toy.py')
FRAMES = 6


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=5, num_train=2, num_val=1,
                           num_frames=FRAMES, width=160, height=120,
                           progress=False)
    return str(root)


def _run(toy, *args):
    return browse_dataset.main([
        CONFIG, *args, '--cfg-options',
        f'train_dataloader.dataset.data_root={toy}/',
        f'test_dataloader.dataset.data_root={toy}/'
    ])


def test_ground_truth_images_and_video(toy, tmp_path):
    assert _run(toy, '--out', str(tmp_path / 'gt')) == 2 * FRAMES
    ann = json.load(open(osp.join(toy, 'annotations',
                                  'train_cocoformat.json')))
    videos = sorted(v['name'] for v in ann['videos'])
    assert sorted(os.listdir(tmp_path / 'gt')) == videos
    for video in videos:
        names = sorted(os.listdir(tmp_path / 'gt' / video))
        assert names == [f'{i:06d}.jpg' for i in range(1, FRAMES + 1)]
        img = cv2.imread(str(tmp_path / 'gt' / video / names[0]))
        assert img.shape == (120, 160, 3)
    # the test split into one video, cut after 4 frames
    assert _run(toy, '--split', 'test', '--video', str(tmp_path / 'v.mp4'),
                '--max-frames', '4') == 4
    cap = cv2.VideoCapture(str(tmp_path / 'v.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 4
    cap.release()


def test_drawn_boxes_have_their_id_colour():
    image = np.zeros((100, 100, 3), np.uint8)
    instances = [
        dict(bbox=[10, 20, 40, 80], bbox_label=0, instance_id=3,
             ignore_flag=0),
        dict(bbox=[60, 20, 90, 80], bbox_label=1, instance_id=8,
             ignore_flag=0),
        dict(bbox=[45, 5, 55, 15], bbox_label=0, instance_id=9,
             ignore_flag=1),
    ]
    out = browse_dataset.draw_ground_truth(image, instances, ['a', 'b'])
    assert tuple(out[80, 40]) == id_color(3)  # bottom-right corners
    assert tuple(out[80, 90]) == id_color(8)
    assert tuple(out[15, 55]) == browse_dataset.IGNORE_COLOR
    assert out[50, 25].sum() == 0  # inside a box: untouched
    assert not image.any()  # the input is not drawn on


def test_training_pairs(toy, tmp_path):
    assert _run(toy, '--pairs', '--out', str(tmp_path), '--max-frames',
                '3') == 3
    assert sorted(os.listdir(tmp_path)) == [
        f'pair_TOY-01_{f:06d}.jpg' for f in range(3)]
    cfg = Config.fromfile(CONFIG)
    cfg.train_dataloader.dataset.data_root = toy + '/'
    browse_dataset.register_all_modules(init_default_scope=False)
    dataset = browse_dataset.build_dataset(cfg, 'train')
    video, f, packed = next(browse_dataset.training_pairs(dataset))
    sample = packed['data_samples']
    key, ref = sample.get_key_frames()[0], sample.get_ref_frames()[0]
    # the pipeline's reference frame is within frame_range 3 of the key
    assert key.frame_id == f and 0 < abs(ref.frame_id - f) <= 3
    h, w = packed['inputs'].shape[-2:]
    pair = browse_dataset.draw_pair(packed, dataset.metainfo['classes'])
    assert pair.shape == (h, 2 * w + browse_dataset.GAP, 3)
    # the gap between the panels is black but for the lines joining an
    # instance's boxes in both frames
    shared = set(key.gt_instances.instances_ids.tolist()) & set(
        ref.gt_instances.instances_ids.tolist())
    gap = pair[:, w:w + browse_dataset.GAP]
    assert gap.any() == bool(shared)
    colours = {tuple(c) for c in gap.reshape(-1, 3) if c.any()}
    assert colours <= {id_color(i) for i in shared}
    # key frames without objects are dropped (filter_key_img): the highest
    # id's box, drawn last, has its id colour at its top-left corner
    top = int(np.argmax(key.gt_instances.instances_ids))
    x1, y1 = (int(round(v)) for v in key.gt_instances.bboxes[top, :2].tolist())
    if 0 <= x1 < w and 0 <= y1 < h:  # not cropped away
        assert tuple(pair[y1, x1]) == id_color(
            int(key.gt_instances.instances_ids[top]))
