"""DeepSORT whole model: given boxes -> crops -> ReID -> DeepSORT."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample, TrackDataSample

from qdtrack.models.trackers import DeepSORTTracker
from qdtrack.registry import MODELS
from qdtrack.utils.box_crops import crop_boxes

REID = dict(
    type='SimpleReID',
    crop_size=(32, 16),
    backbone=dict(type='mmdet.MobileNetV2', out_indices=(7, ),
                  widen_factor=0.25),
    head=dict(type='BNNeckReIDHead', in_channels=1280, num_classes=2))


def frame(idx, dets, scale=1.0):
    s = DetDataSample(metainfo=dict(
        frame_id=idx, frame_index=idx, scale_factor=(scale, scale),
        public_detections=np.asarray(dets, dtype=np.float32)))
    t = TrackDataSample()
    t.video_data_samples = [s]
    return t


def stream():
    rng = np.random.default_rng(0)
    img = torch.from_numpy(rng.uniform(0, 255, (3, 60, 80)).astype(
        np.float32))
    for f in range(6):
        dets = [[5 + f, 5, 20 + f, 45, 0.9], [50, 10, 65, 50, 0.8]]
        if f == 3:
            dets = dets[1:]
        yield f, img, np.array(dets)


def test_predict_equals_direct_embedding_and_tracking():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='DeepSORT', reid=REID,
        tracker=dict(type='DeepSORTTracker', max_cosine_distance=0.3),
        data_preprocessor=dict(type='TrackDataPreprocessor'))).eval()
    reid = model.reid
    direct = DeepSORTTracker(max_cosine_distance=0.3)
    for f, img, dets in stream():
        out = model.predict(img[None, None], [frame(f, dets)])
        pred = out[0].video_data_samples[0].pred_track_instances
        with torch.no_grad():
            emb = reid.embed_crops(crop_boxes(
                img, torch.from_numpy(dets[:, :4]).float(), (32, 16)))
        ref = direct.track(dets[:, :4], dets[:, 4], emb.numpy(),
                           frame_id=f)
        assert pred.instances_id.tolist() == ref['ids'].tolist()
        np.testing.assert_allclose(pred.bboxes.numpy(), ref['bboxes'],
                                   rtol=1e-5)
    assert pred.instances_id.tolist() == [0, 1]


def test_boxes_are_scaled_to_the_resized_image():
    model = MODELS.build(dict(type='DeepSORT', reid=REID,
                              tracker=dict(type='DeepSORTTracker'))).eval()
    img = torch.zeros(3, 40, 40)
    img[:, 22:40, 22:40] = 200.0  # the box's pixels in the resized image
    box = torch.tensor([[12., 12., 20., 20.]])  # original coordinates
    with torch.no_grad():
        scaled = model.embed(img, box, frame(0, [], 2.0).video_data_samples[0])
        bright = model.reid.embed_crops(torch.full((1, 3, 32, 16), 200.0))
        dark = model.reid.embed_crops(torch.zeros(1, 3, 32, 16))
        unscaled = model.embed(img, box,
                               frame(0, [], 1.0).video_data_samples[0])
    torch.testing.assert_close(scaled, bright)
    torch.testing.assert_close(unscaled, dark)
    assert not torch.allclose(bright, dark, atol=1e-3)


def test_missing_boxes_and_training_are_errors():
    model = MODELS.build(dict(type='DeepSORT',
                              tracker=dict(type='DeepSORTTracker')))
    s = DetDataSample(metainfo=dict(frame_id=0, frame_index=0))
    t = TrackDataSample()
    t.video_data_samples = [s]
    with pytest.raises(KeyError, match='public_detections'):
        model.predict(torch.zeros(1, 1, 3, 8, 8), [t])
    with pytest.raises(RuntimeError, match='ReID'):
        model.loss(None, None)
