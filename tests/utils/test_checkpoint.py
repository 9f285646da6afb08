"""load_tracker_checkpoint: strict loading with a clear error."""
import os.path as osp
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from qdtrack import register_all_modules
from qdtrack.utils.checkpoint import (
    CheckpointMismatchError,
    load_tracker_checkpoint,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
register_all_modules()


def _net(width=4):
    torch.manual_seed(width)
    return nn.Sequential(nn.Linear(3, width), nn.ReLU(), nn.Linear(width, 2))


def _save(path, state_dict, **extra):
    torch.save(dict(state_dict=state_dict, meta=dict(epoch=3), **extra),
               str(path))
    return str(path)


def test_fitting_checkpoint_loads_every_weight(tmp_path):
    src = _net()
    path = _save(tmp_path / 'a.pth', src.state_dict())
    dst = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    ckpt = load_tracker_checkpoint(dst, path)
    assert ckpt['meta'] == dict(epoch=3)
    for a, b in zip(src.state_dict().values(), dst.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_module_prefix_of_distributed_training_is_removed(tmp_path):
    src = _net()
    sd = {f'module.{k}': v for k, v in src.state_dict().items()}
    dst = _net(4)
    dst[0].weight.data.zero_()
    load_tracker_checkpoint(dst, _save(tmp_path / 'a.pth', sd))
    torch.testing.assert_close(dst[0].weight, src[0].weight)


def test_other_architecture_is_refused_with_counts_and_examples(tmp_path):
    other = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    path = _save(tmp_path / 'other.pth', other.state_dict())
    model = _net()
    before = model[0].weight.clone()
    with pytest.raises(CheckpointMismatchError) as info:
        load_tracker_checkpoint(model, path)
    msg = str(info.value)
    # model: 0.weight 0.bias 2.weight 2.bias; other: conv 0.weight/bias
    # (other shapes) + BN 1.weight 1.bias 1.running_mean 1.running_var
    # 1.num_batches_tracked
    assert f'checkpoint {path} does not fit the model Sequential' in msg
    assert '2 key(s) missing, e.g. 2.bias, 2.weight' in msg
    assert '5 key(s) unexpected, e.g. 1.bias, 1.num_batches_tracked, ' \
        '1.running_mean, ...' in msg
    # 0.bias has the same shape in both: only 0.weight differs
    assert ('1 key(s) with another shape, e.g. 0.weight: checkpoint '
            '(4, 3, 3, 3) vs model (4, 3)') in msg
    assert info.value.missing == ['2.bias', '2.weight']
    torch.testing.assert_close(model[0].weight, before)  # nothing loaded


def test_non_finite_weights_are_refused(tmp_path):
    src = _net()
    sd = src.state_dict()
    sd['2.weight'][0, 1] = float('nan')
    with pytest.raises(CheckpointMismatchError,
                       match=r'1 key\(s\) with NaN or inf values, e\.g\. '
                       r'2\.weight.*diverged'):
        load_tracker_checkpoint(_net(), _save(tmp_path / 'nan.pth', sd))


def test_no_strict_warns_and_loads_what_fits(tmp_path):
    src = _net()
    sd = {k: v for k, v in src.state_dict().items() if k.startswith('0.')}
    sd['extra.weight'] = torch.zeros(1)
    dst = _net(4)
    with pytest.warns(UserWarning, match=r'2 key\(s\) missing.*1 key\(s\) '
                      r'unexpected, e\.g\. extra\.weight'):
        load_tracker_checkpoint(dst, _save(tmp_path / 'p.pth', sd),
                                strict=False)
    torch.testing.assert_close(dst[0].weight, src[0].weight)


def test_missing_garbage_and_unsafe_files(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='checkpoint not found: .*nope.pth'):
        load_tracker_checkpoint(_net(), str(tmp_path / 'nope.pth'))
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint\n')
    with pytest.raises(CheckpointMismatchError,
                       match=r'notes\.pth: cannot be read as a checkpoint'):
        load_tracker_checkpoint(_net(), str(text))
    # a pickle of an arbitrary object is refused by the weights-only loader
    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'obj': np.random.RandomState(0)},
               str(evil))
    with pytest.raises(CheckpointMismatchError,
                       match=r'evil\.pth: cannot be read as a checkpoint '
                       r'\(UnpicklingError'):
        load_tracker_checkpoint(_net(), str(evil))


@pytest.mark.parametrize('config,trainable', [
    ('configs/qdtrack/qdtrack_faster-rcnn_toy.py', True),
    ('configs/family/reid-embeds_qd-manager_toy.py', False),
    ('configs/unitrack/unitrack_rsm_mobilenetv2-s8_toy.py', False),
    ('configs/sort/sort_public-det_toy.py', False),
])
def test_untrained_parameters_count_what_a_checkpoint_must_give(
        config, trainable):
    from mmengine.config import Config

    from qdtrack.registry import MODELS
    from qdtrack.utils.checkpoint import untrained_parameters
    cfg = Config.fromfile(osp.join(ROOT, config))
    if cfg.model.get('reid_checkpoint'):
        cfg.model.reid_checkpoint = None  # ImageNet weights at build
    model = MODELS.build(cfg.model)
    num = untrained_parameters(model)
    total = sum(p.numel() for p in model.parameters())
    if trainable:  # the toy QDTrack trains all but its frozen first stage
        assert 0.9 * total < num <= total
    else:  # frozen appearance models (and SORT, which has none)
        assert num == 0


def _tracker_with_head(**head):
    from qdtrack.models.track_heads import QuasiDenseEmbedHead
    model = nn.Module()
    model.track_head = nn.Module()
    model.track_head.embed_head = QuasiDenseEmbedHead(
        num_convs=0, num_fcs=0, in_channels=2, roi_feat_size=1,
        embed_channels=2, **head)
    return model


@pytest.mark.parametrize('trained, tested, expected', [
    # an InfoNCE head tested as a dot-product one: both settings differ
    (dict(cosine_logits=True, softmax_temp=0.07), {},
     ['track_head.embed_head.cosine_logits: trained True, model False',
      'track_head.embed_head.softmax_temp: trained 0.07, model -1']),
    (dict(cosine_logits=True, softmax_temp=0.07),
     dict(cosine_logits=True, softmax_temp=0.1),
     ['track_head.embed_head.softmax_temp: trained 0.07, model 0.1']),
    # a dot-product head's temperature changes training only
    (dict(softmax_temp=0.5), {}, []),
    (dict(cosine_logits=True, softmax_temp=0.07),
     dict(cosine_logits=True, softmax_temp=0.07), []),
])
def test_embedding_settings_of_training_are_compared(tmp_path, trained,
                                                     tested, expected):
    head = ', '.join(f'{k}={v!r}' for k, v in trained.items())
    cfg = ('model = dict(type="MASA", track_head=dict(embed_head=dict('
           f'type="QuasiDenseEmbedHead", {head})))\n')
    src = _tracker_with_head(**trained)
    path = _save(tmp_path / 'c.pth', src.state_dict())
    ckpt = torch.load(path, weights_only=False)
    ckpt['meta']['cfg'] = cfg
    torch.save(ckpt, path)
    from qdtrack.utils.checkpoint import warn_embedding_settings
    dst = _tracker_with_head(**tested)
    if expected:
        with pytest.warns(UserWarning, match='--cfg-options model.track_'
                          'head.embed_head.'):
            load_tracker_checkpoint(dst, path)
        with pytest.warns(UserWarning, match='other embedding settings'):
            assert warn_embedding_settings(dst, ckpt, path) == expected
    else:
        with warnings.catch_warnings():
            warnings.simplefilter('error', UserWarning)
            load_tracker_checkpoint(dst, path)
            assert warn_embedding_settings(dst, ckpt, path) == []
    # no training config in the checkpoint: nothing to compare
    assert warn_embedding_settings(dst, dict(meta=dict(epoch=3)), path) == []
