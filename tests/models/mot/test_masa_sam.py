"""MASA with SAM ViT encoders: layout of the configs, released weights
converted into it, training and tracking on a tiny SAM."""
import importlib.util
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from test_masa import GTS, make_batch, make_video, shrink_heads

from qdtrack.datasets.masa.sam_import import import_segment_anything
from qdtrack.models.backbones import SAM_VIT_ARCHS, SAMViT
from qdtrack.registry import MODELS

ROOT = Path(__file__).parents[3]
CFG_B = ROOT / 'configs/_base_/models/masa_sam_vit-b.py'
CFG_H = ROOT / 'configs/_base_/models/masa_sam_vit-h.py'
TINY = dict(embed_dim=16, depth=4, num_heads=2, global_attn_indexes=(1, 3))


def tiny_cfg():
    """masa_sam_vit-b from its config with a 4-block, 16-channel SAM
    encoder (all four blocks feed the pyramid), a 32-channel adapter with
    one DyHead block, and small heads."""
    model = Config.fromfile(CFG_B).model
    model.data_preprocessor.pad_size_divisor = 64
    model.backbone.update(arch=TINY, img_size=64, window_size=2,
                          out_chans=8, out_indices=(0, 1, 2, 3),
                          init_cfg=None)
    model.masa_adapter.pyramid.update(in_channels=16, out_channels=32)
    model.masa_adapter.fusion.update(in_channels=32, out_channels=32,
                                     num_blocks=1)
    return shrink_heads(model)


def meta_model(path):
    """The full-size model of a config, with shapes only (no memory)."""
    cfg = Config.fromfile(path).model
    cfg.backbone.init_cfg = None
    with torch.device('meta'):
        return MODELS.build(cfg)


def test_full_size_layouts():
    """Keys and shapes of the public MASA-SAM modules (siyuanliii/masa
    e302032: configs/masa-sam/*, masa/models/necks/simplefpn.py), with
    SAM's encoder under ``backbone.`` instead of ``detector.backbone.``."""
    import_segment_anything()
    from segment_anything.modeling import ImageEncoderViT
    for path, arch, width in ((CFG_B, 'vit-b', 768), (CFG_H, 'vit-h', 1280)):
        model = meta_model(path)
        assert isinstance(model.backbone, SAMViT)
        assert model.backbone.out_indices == \
            SAM_VIT_ARCHS[arch]['global_attn_indexes']
        state = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        a = SAM_VIT_ARCHS[arch]
        with torch.device('meta'):
            sam_encoder = ImageEncoderViT(
                img_size=1024, embed_dim=a['embed_dim'], depth=a['depth'],
                num_heads=a['num_heads'], use_rel_pos=True, window_size=14,
                global_attn_indexes=a['global_attn_indexes'], out_chans=256)
        assert {k[len('backbone.'):]: v for k, v in state.items()
                if k.startswith('backbone.')} == {
                    k: tuple(v.shape)
                    for k, v in sam_encoder.state_dict().items()}
        pyramid = {k[len('masa_adapter.0.'):]: v for k, v in state.items()
                   if k.startswith('masa_adapter.0.')}
        expected = {}
        for name in ('fpn1.0', 'fpn1.3', 'fpn2.0'):
            expected[f'{name}.weight'] = (width, width, 2, 2)
            expected[f'{name}.bias'] = (width, )
        expected['fpn1.1.ln.weight'] = expected['fpn1.1.ln.bias'] = (width, )
        for i in range(4):
            expected[f'lateral_convs.{i}.conv.weight'] = (256, width, 1, 1)
            expected[f'fpn_convs.{i}.conv.weight'] = (256, 256, 3, 3)
            expected[f'lateral_convs.{i}.conv.bias'] = (256, )
            expected[f'fpn_convs.{i}.conv.bias'] = (256, )
        assert pyramid == expected
        assert {k.split('.')[2] for k in state
                if k.startswith('masa_adapter.1.')} == {'dyhead_blocks'}
        assert {k.split('.')[3] for k in state
                if k.startswith('masa_adapter.1.')} == {'0', '1', '2'}
        assert {k for k in state if k.startswith('roi_head.')} == {
            f'roi_head.bbox_head.{m}.{p}'
            for m in ('shared_fcs.0', 'shared_fcs.1', 'fc_cls', 'fc_reg')
            for p in ('weight', 'bias')}
        assert state['roi_head.bbox_head.shared_fcs.0.weight'] == (
            1024, 256 * 7 * 7)
        assert state['roi_head.bbox_head.fc_cls.weight'] == (2, 1024)


def test_released_masa_sam_layout_converts_into_ours(tmp_path):
    """A checkpoint in the public code's layout (SAM as a frozen detector)
    plus the SAM file give, through the converter, exactly our model."""
    spec = importlib.util.spec_from_file_location(
        'convert_sam_checkpoint',
        ROOT / 'tools/masa/convert_sam_checkpoint.py')
    conv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conv)
    torch.manual_seed(1)
    source = MODELS.build(tiny_cfg())
    with torch.no_grad():
        for p in source.parameters():
            p.add_(torch.randn_like(p))
    ours = source.state_dict()
    sam = {'image_encoder.' + k[len('backbone.'):]: v
           for k, v in ours.items() if k.startswith('backbone.')}
    sam['mask_decoder.iou_token.weight'] = torch.zeros(1, 8)
    released = {('detector.' + k if k.startswith('backbone.') else k): v
                for k, v in ours.items()}
    released['detector.prompt_encoder.pe_layer.x'] = torch.zeros(2, 4)
    torch.save(sam, tmp_path / 'sam.pth')
    torch.save(dict(state_dict=released, meta={}), tmp_path / 'masa.pth')
    meta = conv.main([str(tmp_path / 'sam.pth'), str(tmp_path / 'out.pth'),
                      '--masa', str(tmp_path / 'masa.pth')])
    assert meta['dropped'] == 1 and meta['prefix'] == 'backbone.'
    target = MODELS.build(tiny_cfg())
    state = torch.load(tmp_path / 'out.pth', weights_only=True)['state_dict']
    target.load_state_dict(state, strict=True)
    for k, v in target.state_dict().items():
        assert torch.equal(v, ours[k]), k


def test_training_step_and_given_boxes_tracking():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg())
    model.train()
    assert not model.backbone.training
    frozen = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    data = make_batch(model, num_pairs=1)
    assert data['inputs'].shape[-2:] == (64, 128)  # padded to 64
    params = [p for p in model.parameters() if p.requires_grad]
    assert params and not any(p.requires_grad
                              for p in model.backbone.parameters())
    optim = torch.optim.SGD(params, lr=0.01)
    losses = model(**data, mode='loss')
    assert {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox',
            'loss_track', 'loss_track_aux'} <= set(losses)
    total = sum(sum(v) if isinstance(v, list) else v
                for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    optim.zero_grad()
    total.backward()
    assert model.masa_adapter[1].dyhead_blocks[0].spatial_conv_high \
        .conv.weight.grad.abs().sum() > 0
    optim.step()
    for k, v in model.backbone.state_dict().items():
        assert torch.equal(v, frozen[k]), k

    model.box_source = 'given'
    model.eval()
    public = np.concatenate([GTS, [[0.9], [0.8], [0.7]]], axis=1)
    ids = []
    with torch.no_grad():
        for frame in make_video(model, num_frames=3, public=public):
            out = model(**frame, mode='predict')[0][0]
            ids.append(out.pred_track_instances.instances_id.tolist())
    assert ids == [[0, 1, 2]] * 3
