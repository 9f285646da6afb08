"""A checkpoint of mmdet 3.3's QDTrack loads strictly into our MOT17 model.

mmdet's model is built from mmdet's own released config
(``mmdet/.mim/configs/qdtrack/qdtrack_faster-rcnn_r50_fpn_8xb2-4e_
mot17halftrain_test-mot17halfval.py``, the config of its MOT17 model-zoo
checkpoint) with random weights; its state dict goes through a checkpoint
file into our MOT17 config with strict loading (every key, no other, same
shapes), and both models must give the same detections and embeddings on
one image.
"""
import os.path as osp

import mmdet
import numpy as np
import pytest
import torch
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import DefaultScope

from qdtrack.apis import init_tracker

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
OURS = osp.join(ROOT, 'configs/qdtrack/'
                'qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-'
                'mot17halfval.py')
MMDET = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', 'qdtrack',
                 'qdtrack_faster-rcnn_r50_fpn_8xb2-4e_mot17halftrain_test-'
                 'mot17halfval.py')


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    if not osp.isfile(MMDET):
        pytest.skip('mmdet was installed without its configs (.mim)')
    cfg = Config.fromfile(MMDET)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        theirs = MMDET_MODELS.build(cfg.model)  # no init_weights: no download
    theirs.eval()
    # not all zeros: the RPN and RoI head must give boxes to compare
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(torch.randn_like(p) * 0.01)
    path = str(tmp_path_factory.mktemp('ckpt') / 'mmdet_qdtrack.pth')
    torch.save(dict(state_dict=theirs.state_dict(), meta=dict()), path)
    # strict loading (init_tracker raises on any missing, unexpected or
    # mis-shaped key); mmcv's RoIAlign as in mmdet, for identical features
    ours = init_tracker(OURS, path,
                        cfg_options={'model.cpu_roi_align': False})
    return theirs, ours, path


def test_same_keys_and_values(models):
    theirs, ours, _ = models
    sd_t, sd_o = theirs.state_dict(), ours.state_dict()
    assert set(sd_t) == set(sd_o) and len(sd_o) > 300
    for k in sd_o:
        assert torch.equal(sd_o[k], sd_t[k]), k


def _image():
    rng = np.random.default_rng(0)
    img = torch.as_tensor(rng.normal(0, 40, (1, 3, 96, 128)),
                          dtype=torch.float32)
    sample = DetDataSample(metainfo=dict(
        img_shape=(96, 128), ori_shape=(96, 128), scale_factor=(1.0, 1.0),
        frame_id=0))
    return img, sample


def _outputs(models_, img, sample):
    out = []
    with torch.no_grad():
        for model in models_:
            x = model.detector.extract_feat(img)
            props = model.detector.rpn_head.predict(x, [sample],
                                                    rescale=False)
            det = model.detector.roi_head.predict(x, props, [sample],
                                                  rescale=False)[0]
            embeds = model.track_head.predict(x, [det.bboxes])
            out.append((x, props[0], det, embeds))
    return out


def test_same_detections_and_embeddings(models):
    theirs, ours, _ = models
    (x_t, p_t, d_t, e_t), (x_o, p_o, d_o, e_o) = _outputs(
        (theirs, ours), *_image())
    for a, b in zip(x_t, x_o):
        assert torch.equal(a, b)
    assert torch.equal(p_t.bboxes, p_o.bboxes) and len(p_o) > 100
    assert len(d_o) > 5
    assert torch.equal(d_t.bboxes, d_o.bboxes)
    assert torch.equal(d_t.scores, d_o.scores)
    assert torch.equal(d_t.labels, d_o.labels)
    assert e_o.shape == (len(d_o), 256)
    torch.testing.assert_close(e_o, e_t, rtol=0, atol=0)


def test_default_cpu_roi_align_matches_closely(models):
    """Our default CPU RoIAlign (another kernel): same boxes, embeddings
    equal up to float rounding."""
    theirs, _, path = models
    ours = init_tracker(OURS, path)
    (_, _, d_t, e_t), (_, _, d_o, e_o) = _outputs((theirs, ours), *_image())
    assert len(d_o) == len(d_t) > 5
    torch.testing.assert_close(d_o.bboxes, d_t.bboxes, rtol=0, atol=1e-3)
    torch.testing.assert_close(e_o, e_t, rtol=0, atol=1e-5)
