"""The Python API equals tools/test.py on the toy benchmark."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch

from qdtrack.apis import frame_pipeline, init_tracker, track_video
from qdtrack.datasets.mot_files import read_mot_results, read_public_detections
from qdtrack.datasets.toy import generate_toy_benchmark
from qdtrack.evaluation.metrics.mot_challenge_metric import (
    track_rows_from_sample,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import test as test_tool  # noqa: E402

SORT_CFG = osp.join(ROOT, 'configs/sort/sort_public-det_toy.py')
QDTRACK_CFG = osp.join(ROOT, 'configs/qdtrack/qdtrack_faster-rcnn_toy.py')
NUM_FRAMES = 16
SEQ = 'TOY-02'
# random weights score every class about equally low: track them all
LOW_THRESHOLDS = {
    'model.tracker.init_score_thr': 0.0,
    'model.tracker.obj_score_thr': 0.0
}


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=3, num_train=1, num_val=1,
                           num_frames=NUM_FRAMES, progress=False)
    return str(root)


def _test_tool_rows(toy, tmp_path, config, checkpoint=None, options=()):
    out_dir = tmp_path / 'results'
    argv = [config] + ([checkpoint] if checkpoint else []) + [
        '--work-dir', str(tmp_path / 'work'), '--out', str(out_dir),
        '--cfg-options', f'test_dataloader.dataset.data_root={toy}/',
        f'test_evaluator.gt_root={toy}/val', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False', *options
    ]
    test_tool.main(argv)
    return read_mot_results(str(out_dir / f'{SEQ}.txt'))[:, :7]


def _api_rows(results, labels=None):
    rows = [
        track_rows_from_sample(r.data_sample, r.frame_index + 1, labels)
        for r in results
    ]
    rows = np.concatenate(rows)
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def test_sort_equals_test_tool_exactly(toy, tmp_path):
    ref = _test_tool_rows(toy, tmp_path, SORT_CFG)
    model = init_tracker(SORT_CFG)
    seq = osp.join(toy, 'val', SEQ)
    results = list(
        track_video(model, seq, detections=osp.join(seq, 'det', 'det.txt')))
    assert [r.frame_index for r in results] == list(range(NUM_FRAMES))
    ours = _api_rows(results)
    assert len(ref) > 3 * NUM_FRAMES
    np.testing.assert_array_equal(ours, ref)
    # the plain arrays are the same tracks (0-based ids)
    last = results[-1]
    last_ref = ref[ref[:, 0] == NUM_FRAMES]
    np.testing.assert_array_equal(np.sort(last.ids + 1), last_ref[:, 1])
    assert last.bboxes.shape == (len(last.ids), 4)
    assert last.image.shape == (240, 320, 3)


def test_qdtrack_random_weights_equal_test_tool(toy, tmp_path):
    torch.manual_seed(0)
    model = init_tracker(QDTRACK_CFG, random_weights=True,
                         cfg_options=LOW_THRESHOLDS)
    ckpt = str(tmp_path / 'random.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    # every class is written (random weights favour no class in particular)
    options = [f'{k}={v}' for k, v in LOW_THRESHOLDS.items()] + [
        'test_evaluator.labels=None'
    ]
    ref = _test_tool_rows(toy, tmp_path, QDTRACK_CFG, ckpt, options)

    model = init_tracker(QDTRACK_CFG, ckpt, cfg_options=LOW_THRESHOLDS)
    ours = _api_rows(track_video(model, osp.join(toy, 'val', SEQ)))
    assert len(ref) > NUM_FRAMES and len(np.unique(ref[:, 1])) > 5
    np.testing.assert_array_equal(ours[:, :2], ref[:, :2])
    np.testing.assert_allclose(ours[:, 2:], ref[:, 2:], rtol=0, atol=1e-4)


def test_sources_and_detections_forms_agree(toy, tmp_path):
    seq = osp.join(toy, 'val', SEQ)
    det_file = osp.join(seq, 'det', 'det.txt')
    model = init_tracker(SORT_CFG)
    ref = _api_rows(track_video(model, seq, detections=det_file))
    # a video file (lossy: SORT sees the boxes only), arrays, a dict
    video = str(tmp_path / 'toy.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (320, 240))
    images = [
        cv2.imread(osp.join(seq, 'img1', f'{i:06d}.jpg'))
        for i in range(1, NUM_FRAMES + 1)
    ]
    for img in images:
        writer.write(img)
    writer.release()
    given = {f - 1: b for f, b in read_public_detections(det_file).items()}
    for source, dets in [(video, det_file), (iter(images), given),
                         (osp.join(seq, 'img1'), given)]:
        rows = _api_rows(track_video(model, source, detections=dets))
        np.testing.assert_array_equal(rows, ref)
    # start/end keep the source's frame indices; the tracker restarts
    part = list(track_video(model, seq, detections=det_file, start=5,
                            end=12))
    assert [r.frame_index for r in part] == list(range(5, 12))
    shifted = {i - 5: b for i, b in given.items() if 5 <= i < 12}
    again = list(track_video(model, images[5:12], detections=shifted))
    for a, b in zip(part, again):
        np.testing.assert_array_equal(a.ids, b.ids)
        np.testing.assert_array_equal(a.bboxes, b.bboxes)
    # the restarted tracker numbers its tracks from 0 again
    assert sorted(part[0].ids) == list(range(len(part[0].ids)))
    full = list(track_video(model, seq, detections=det_file, end=6))
    assert full[5].ids.max() >= len(full[5].ids) > 0


def test_track_video_is_lazy(toy):
    """Frames are pulled one at a time: nothing is read ahead."""
    seq = osp.join(toy, 'val', SEQ)
    model = init_tracker(SORT_CFG)
    pulled = []

    def frames():
        for i in range(NUM_FRAMES):
            pulled.append(i)
            yield cv2.imread(osp.join(seq, 'img1', f'{i + 1:06d}.jpg'))

    results = track_video(model, frames(), detections={})
    assert pulled == []
    next(results)
    assert pulled == [0]
    next(results)
    assert pulled == [0, 1]


def test_refusals(toy):
    with pytest.raises(ValueError, match='no checkpoint'):
        init_tracker(QDTRACK_CFG)
    model = init_tracker(SORT_CFG)
    seq = osp.join(toy, 'val', SEQ)
    with pytest.raises(ValueError, match='tracks given boxes'):
        next(track_video(model, seq))
    with pytest.raises(ValueError, match=r'detections\[3\].*\(K, 5\)'):
        next(track_video(model, seq, detections={3: np.zeros((2, 4))}))
    with pytest.raises(FileNotFoundError, match='nothing.mp4'):
        next(track_video(model, osp.join(toy, 'nothing.mp4')))
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        init_tracker(QDTRACK_CFG, osp.join(toy, 'missing.pth'))



def test_given_boxes_with_classes(toy):
    """A sixth column gives each box its class (public_det_labels), e.g.
    a TAO category; the tracks keep it."""
    model = init_tracker(SORT_CFG)
    seq = osp.join(toy, 'val', SEQ)
    boxes = np.array([[100, 50, 140, 150, 0.9, 3], [300, 60, 345, 170, 0.8,
                                                     5]], dtype=np.float32)
    out = list(track_video(model, seq, detections={
        0: boxes, 1: boxes, 2: np.zeros((0, 6)), 3: []}, end=4))
    assert out[1].labels.tolist() == [3, 5]
    assert out[1].data_sample.metainfo['public_det_labels'].tolist() == [3, 5]
    assert len(out[2].ids) == len(out[3].ids) == 0
    five = list(track_video(model, seq, detections={0: boxes[:, :5]},
                            end=1))
    assert 'public_det_labels' not in five[0].data_sample.metainfo
    with pytest.raises(ValueError, match='not a mix'):
        next(track_video(model, seq, detections={0: boxes,
                                                 1: boxes[:, :5]}))
    with pytest.raises(ValueError, match=r'detections\[0\].*whole'):
        next(track_video(model, seq, detections={0: boxes + 0.5}))

def test_frame_pipeline_swaps_loading_keeps_resize():
    from mmengine.config import Config
    cfg = Config.fromfile(QDTRACK_CFG)
    pipeline = frame_pipeline(cfg)
    broadcast = pipeline[0]['transforms']
    assert [t['type'] for t in broadcast] == ['LoadImageFromNDArray',
                                              'Resize']
    assert broadcast[1] == cfg.test_pipeline[0]['transforms'][1]
    assert pipeline[1]['type'] == 'PackTrackInputs'
    assert {'frame_index', 'public_detections'} <= set(
        pipeline[1]['meta_keys'])
    # the config itself is not modified
    assert cfg.test_dataloader.dataset.pipeline[0]['transforms'][0][
        'type'] == 'LoadImageFromFile'
