"""SAMViT and the SAM checkpoint converter, on a tiny random SAM."""
import importlib.util
from functools import partial
from pathlib import Path

import pytest
import torch

from qdtrack.datasets.masa.sam_import import import_segment_anything
from qdtrack.models.backbones import SAM_VIT_ARCHS, SAMViT

ROOT = Path(__file__).parents[3]
# 4 blocks, windows of 2 patches in blocks 0 and 2, global attention in 1
# and 3 (the quarter-point layout of the real encoders, scaled down)
TINY = dict(embed_dim=16, depth=4, num_heads=2, global_attn_indexes=(1, 3))
IMG, PATCH, WINDOW = 64, 16, 2


def converter():
    spec = importlib.util.spec_from_file_location(
        'convert_sam_checkpoint',
        ROOT / 'tools/masa/convert_sam_checkpoint.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_sam(seed=0):
    """A SAM of the package's own classes, every tensor random (including
    the zero-initialised position embeddings and relative position
    tables, so that a wrongly placed one changes the features)."""
    import_segment_anything()
    from segment_anything.modeling import (
        ImageEncoderViT,
        MaskDecoder,
        PromptEncoder,
        Sam,
        TwoWayTransformer,
    )
    torch.manual_seed(seed)
    grid = IMG // PATCH
    sam = Sam(
        image_encoder=ImageEncoderViT(
            img_size=IMG, patch_size=PATCH, embed_dim=TINY['embed_dim'],
            depth=TINY['depth'], num_heads=TINY['num_heads'], out_chans=8,
            qkv_bias=True, use_rel_pos=True, window_size=WINDOW,
            global_attn_indexes=TINY['global_attn_indexes'],
            norm_layer=partial(torch.nn.LayerNorm, eps=1e-6)),  # build_sam

        prompt_encoder=PromptEncoder(
            embed_dim=8, image_embedding_size=(grid, grid),
            input_image_size=(IMG, IMG), mask_in_chans=4),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=1, embedding_dim=8,
                                          mlp_dim=16, num_heads=2),
            transformer_dim=8, iou_head_depth=2, iou_head_hidden_dim=8))
    with torch.no_grad():
        for p in sam.parameters():
            p.normal_(0, 0.2)
    return sam.eval()


def block_outputs(encoder, x):
    """Outputs (B, C, h, w) of every block of the package's encoder,
    recorded by forward hooks during its own forward pass."""
    outs = {}
    hooks = [
        block.register_forward_hook(
            lambda m, i, o, k=k: outs.__setitem__(k, o.permute(0, 3, 1, 2)))
        for k, block in enumerate(encoder.blocks)
    ]
    with torch.no_grad():
        encoder(x)
    for h in hooks:
        h.remove()
    return outs


def tiny_backbone(**kwargs):
    return SAMViT(arch=TINY, img_size=IMG, window_size=WINDOW, out_chans=8,
                  **kwargs)


def test_converted_checkpoint_gives_the_encoders_block_outputs(tmp_path):
    sam = tiny_sam()
    src = tmp_path / 'sam_tiny.pth'
    torch.save(sam.state_dict(), src)
    out = tmp_path / 'encoder.pth'
    meta = converter().main([str(src), str(out)])
    num_encoder = len(sam.image_encoder.state_dict())
    assert meta['dropped'] == len(sam.state_dict()) - num_encoder > 0
    assert (meta['embed_dim'], meta['depth'], meta['img_size'],
            meta['patch_size']) == (16, 4, IMG, PATCH)
    ckpt = torch.load(out, weights_only=True)
    assert set(ckpt['state_dict']) == set(sam.image_encoder.state_dict())

    backbone = tiny_backbone()
    backbone.load_state_dict(ckpt['state_dict'], strict=True)
    x = torch.randn(2, 3, IMG, IMG)
    ref = block_outputs(sam.image_encoder, x)
    with torch.no_grad():
        feats = backbone(x)
    assert backbone.out_indices == (1, 3)  # the global blocks by default
    assert len(feats) == 2
    for feat, k in zip(feats, (1, 3)):
        assert feat.shape == (2, 16, IMG // 16, IMG // 16)
        assert torch.equal(feat, ref[k])
    # other blocks on request; the features differ from block to block
    every = tiny_backbone(out_indices=(0, 1, 2, 3))
    every.load_state_dict(ckpt['state_dict'])
    with torch.no_grad():
        feats = every(x)
    for k in range(4):
        assert torch.equal(feats[k], ref[k])
    assert not torch.allclose(feats[0], feats[1], atol=1e-3)


def test_prefix_for_a_whole_masa_model(tmp_path):
    sam = tiny_sam()
    src = tmp_path / 'sam_tiny.pth'
    # a file that keeps the state dict under 'model' is accepted too
    torch.save(dict(model=sam.state_dict()), src)
    out = tmp_path / 'masa_init.pth'
    converter().main([str(src), str(out), '--prefix', 'backbone.'])
    keys = set(torch.load(out, weights_only=True)['state_dict'])
    assert keys == {'backbone.' + k for k in sam.image_encoder.state_dict()}


def test_converter_refuses_what_is_not_a_sam_checkpoint(tmp_path):
    conv = converter()
    out = tmp_path / 'out.pth'
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        conv.main([str(tmp_path / 'missing.pth'), str(out)])
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    with pytest.raises(ValueError, match='notes.pth is not a readable'):
        conv.main([str(text), str(out)])
    other = tmp_path / 'resnet.pth'
    torch.save({'conv1.weight': torch.zeros(2, 3, 1, 1)}, other)
    with pytest.raises(ValueError,
                       match=r'resnet.pth is not a SAM checkpoint: no '
                       r'image_encoder\.\* key \(it has 1 keys: conv1'):
        conv.main([str(other), str(out)])
    listing = tmp_path / 'list.pth'
    torch.save([1, 2], listing)
    with pytest.raises(ValueError, match='list.pth is not a SAM checkpoint'):
        conv.main([str(listing), str(out)])
    assert not out.exists()  # nothing written on failure


def test_frozen_and_any_multiple_of_16():
    backbone = tiny_backbone()
    assert not any(p.requires_grad for p in backbone.parameters())
    # SAM's LayerNorms (build_sam.py), not the class default 1e-5
    norms = [m for m in backbone.modules()
             if isinstance(m, torch.nn.LayerNorm)]
    assert len(norms) == 2 * TINY['depth']
    assert all(m.eps == 1e-6 for m in norms)
    backbone.train()
    assert not backbone.training
    # the pretraining grid uses the position embedding as it is
    assert backbone.position_embedding(4, 4) is backbone.pos_embed
    with torch.no_grad():
        feats = backbone(torch.randn(1, 3, 96, 48))
    assert [f.shape for f in feats] == [(1, 16, 6, 3)] * 2
    with pytest.raises(ValueError, match='not a multiple of the patch'):
        backbone(torch.randn(1, 3, 60, 64))
    trainable = tiny_backbone(frozen=False)
    trainable.train()
    assert trainable.training
    assert all(p.requires_grad for p in trainable.parameters())


def test_released_architectures_and_bad_arguments():
    # public configs/masa-sam/sam-vit{b,h}.py: out_indices = the global
    # attention blocks = the quarter points of the depth
    assert SAM_VIT_ARCHS['vit-b']['global_attn_indexes'] == (2, 5, 8, 11)
    assert SAM_VIT_ARCHS['vit-h']['global_attn_indexes'] == (7, 15, 23, 31)
    for arch in SAM_VIT_ARCHS.values():
        depth = arch['depth']
        assert arch['global_attn_indexes'] == tuple(
            depth * q // 4 - 1 for q in (1, 2, 3, 4))
    with pytest.raises(ValueError, match='arch must be one of'):
        SAMViT(arch='vit-s')
    with pytest.raises(ValueError, match='must be blocks of 0..3'):
        tiny_backbone(out_indices=(1, 4))
