"""Conv-BN fusion and channels-last: same outputs, BN gone, NHWC convs."""
import copy
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmcv.ops import roi_align
from mmengine.logging import MMLogger

from qdtrack.engine import InferenceSpeedupHook
from qdtrack.models.utils import fuse_conv_bn, to_channels_last
from qdtrack.registry import MODELS

sys.path.insert(0, str(Path(__file__).parents[1] / 'mot'))
from test_qdtrack import small_cfg  # noqa: E402


def _model(cpu_roi_align=True):
    torch.manual_seed(0)
    cfg = small_cfg(num_classes=2)
    cfg['cpu_roi_align'] = cpu_roi_align
    model = MODELS.build(cfg)
    model.init_weights()
    # non-trivial BN statistics, so that folding them is tested
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def _outputs(model, img, boxes):
    """FPN features, box-head scores and embeddings of given boxes."""
    rois = torch.cat([boxes.new_zeros(len(boxes), 1), boxes], dim=1)
    with torch.no_grad():
        feats = model.detector.extract_feat(img)
        roi_head = model.detector.roi_head
        cls = roi_head._bbox_forward(feats, rois)['cls_score']
        embeds = model.track_head.predict(feats, [boxes])
    return [f.contiguous() for f in feats], cls, embeds


def _num_bn(model):
    return sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())


@pytest.mark.parametrize('cpu_roi_align', [True, False])
def test_fused_channels_last_model_gives_the_same_outputs(cpu_roi_align):
    # our RoIAlign reads NHWC features; mmcv's gets NCHW copies by a hook
    model = _model(cpu_roi_align)
    layer = type(model.track_head.roi_extractor.roi_layers[0])
    assert layer.__module__.startswith(
        'qdtrack.ops' if cpu_roi_align else 'mmcv.ops')
    torch.manual_seed(1)
    img = torch.randn(1, 3, 64, 96)
    boxes = torch.tensor([[4., 6., 40., 50.], [30., 2., 90., 60.],
                          [0., 0., 95., 63.]])
    ref = _outputs(model, img, boxes)
    fast = copy.deepcopy(model)
    assert _num_bn(fast) > 0
    to_channels_last(fuse_conv_bn(fast))
    assert _num_bn(fast) == 0
    conv = fast.detector.backbone.conv1
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    feats = fast.detector.extract_feat(img)
    assert feats[0].is_contiguous(memory_format=torch.channels_last)
    out = _outputs(fast, img, boxes)
    for a, b in zip(ref[0], out[0]):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(ref[1], out[1], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(ref[2], out[2], rtol=1e-4, atol=1e-4)


def test_mmcv_roi_align_needs_nchw_memory():
    # why to_channels_last hooks the mmcv ops: on channels-last memory
    # mmcv's roi_align silently reads the wrong values
    torch.manual_seed(0)
    x = torch.randn(1, 8, 20, 30)
    rois = torch.tensor([[0., 2., 3., 15., 12.], [0., 0., 0., 29., 19.]])
    nchw = roi_align(x, rois, (7, 7), 1.0, 2, 'avg', True)
    nhwc = roi_align(x.contiguous(memory_format=torch.channels_last), rois,
                     (7, 7), 1.0, 2, 'avg', True)
    assert (nchw - nhwc).abs().max() > 0.1


def test_fusion_refuses_a_training_model():
    model = _model().train()
    with pytest.raises(RuntimeError, match='inference'):
        fuse_conv_bn(model)


def test_hook_applies_after_loading():
    model = _model().train()  # the test loop sets eval after the hook
    runner = SimpleNamespace(model=model, logger=MMLogger.get_instance(
        'test_inference_speedups'))
    InferenceSpeedupHook(fuse_conv_bn=True,
                         channels_last=True).before_test(runner)
    assert not model.training and _num_bn(model) == 0
    assert model.detector.backbone.conv1.weight.is_contiguous(
        memory_format=torch.channels_last)


def test_test_tool_flags_add_the_hook(tmp_path):
    tools = Path(__file__).parents[3] / 'tools'
    sys.path.insert(0, str(tools))
    import test as test_tool
    config = str(Path(__file__).parents[3] /
                 'configs/qdtrack/qdtrack_faster-rcnn_toy.py')
    cfg = test_tool.build_test_cfg(
        test_tool.parse_args([config, 'ckpt.pth', '--fuse-conv-bn',
                              '--work-dir', str(tmp_path)]))
    hooks = [h for h in cfg.custom_hooks
             if h['type'] == 'InferenceSpeedupHook']
    assert hooks == [dict(type='InferenceSpeedupHook', fuse_conv_bn=True,
                          channels_last=False)]
    cfg = test_tool.build_test_cfg(
        test_tool.parse_args([config, 'ckpt.pth', '--work-dir',
                              str(tmp_path)]))
    assert not any(h['type'] == 'InferenceSpeedupHook'
                   for h in cfg.get('custom_hooks', None) or [])
