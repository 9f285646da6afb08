"""tools/convert_checkpoint.py on checkpoints laid out like SysCV/qdtrack's.

``data/syscv_qdtrack_mot17_layout.json`` lists every tensor (name and shape)
of the public QDTrack MOT17 model at the commit it names, derived from their
code (see its ``derivation`` field). The synthetic checkpoints hold, for the
i-th tensor, the value i everywhere (stored as an expanded scalar, so the
files are tiny), which shows where each tensor lands.
"""
import json
import os.path as osp
import sys

import pytest
import torch

from qdtrack.apis import init_tracker

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import convert_checkpoint as tool  # noqa: E402

LAYOUT = osp.join(osp.dirname(__file__), 'data',
                  'syscv_qdtrack_mot17_layout.json')
MOT17_CFG = osp.join(
    ROOT, 'configs/qdtrack/'
    'qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-mot17halfval.py')


def _their_state(layout: str) -> dict:
    with open(LAYOUT) as f:
        tensors = json.load(f)['tensors']
    state = {}
    for i, (key, shape) in enumerate(tensors.items()):
        if layout == '2022':
            key = ('track_head.track_head.' +
                   key[len('roi_head.track_head.'):]
                   if key.startswith('roi_head.track_head.') else
                   'detector.' + key)
        dtype = torch.long if key.endswith('num_batches_tracked') else \
            torch.float32
        state[key] = torch.tensor(i, dtype=dtype).expand(shape)
    return state


def _expected_name(key: str) -> str:
    for prefix in ('roi_head.track_head.', 'track_head.track_head.'):
        if key.startswith(prefix):
            return 'track_head.embed_head.' + key[len(prefix):]
    return key if key.startswith('detector.') else 'detector.' + key


@pytest.fixture(scope='module')
def ours():
    """Our MOT17 model's tensors: name -> shape."""
    model = init_tracker(MOT17_CFG, random_weights=True)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize('layout', ['2021', '2022'])
def test_convert_covers_every_tensor_of_our_model(layout, ours):
    theirs = _their_state(layout)
    converted, found = tool.convert_state_dict(theirs)
    assert found == layout
    assert {k: tuple(v.shape) for k, v in converted.items()} == ours
    # each tensor keeps its value under its new name
    for (old, value), (new, moved) in zip(theirs.items(),
                                          converted.items()):
        assert moved is value
        assert new == _expected_name(old)
    assert converted['track_head.embed_head.fc_embed.weight'].shape == (256,
                                                                        1024)


def test_cli_writes_a_checkpoint_that_loads_strictly(tmp_path):
    src, dst = tmp_path / 'theirs.pth', tmp_path / 'ours.pth'
    theirs = _their_state('2021')
    torch.save(dict(state_dict=theirs, meta=dict(epoch=4),
                    optimizer=dict(state={})), src)
    assert tool.main([str(src), str(dst), '--config', MOT17_CFG]) == '2021'
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    assert ckpt['meta']['epoch'] == 4
    assert ckpt['meta']['converted_from']['layout'] == '2021'
    model = init_tracker(MOT17_CFG, str(dst))
    index = {k: i for i, k in enumerate(theirs)}
    embed = model.track_head.embed_head.convs[2].conv.weight
    assert embed.eq(index['roi_head.track_head.convs.2.conv.weight']).all()
    cls = model.detector.roi_head.bbox_head.fc_cls.weight
    assert cls.shape == (2, 1024)
    assert cls.eq(index['roi_head.bbox_head.fc_cls.weight']).all()


def test_refusals(tmp_path):
    theirs = _their_state('2021')
    converted, _ = tool.convert_state_dict(theirs)
    with pytest.raises(ValueError, match='already has our layout'):
        tool.convert_state_dict(converted)
    with pytest.raises(ValueError, match='not a SysCV/qdtrack checkpoint'):
        tool.convert_state_dict({'backbone.conv1.weight': torch.zeros(1)})
    theirs['roi_head.mask_head.conv.weight'] = torch.zeros(1)
    with pytest.raises(ValueError, match='1 key.*roi_head.mask_head'):
        tool.convert_state_dict(theirs)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        tool.main([str(tmp_path / 'missing.pth'), str(tmp_path / 'o.pth')])
