"""SAM's ViT image encoders as frozen multi-level MASA backbones."""
from functools import partial
from typing import Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from qdtrack.registry import MODELS

# The encoders of the released SAM models (segment_anything/build_sam.py).
# MASA takes the outputs of the global-attention blocks, the quarter points
# of the depth (public configs/masa-sam/sam-vit{b,h}.py: ``out_indices``
# 2/5/8/11 for ViT-B, 7/15/23/31 for ViT-H).
SAM_VIT_ARCHS = {
    'vit-b': dict(embed_dim=768, depth=12, num_heads=12,
                  global_attn_indexes=(2, 5, 8, 11)),
    'vit-l': dict(embed_dim=1024, depth=24, num_heads=16,
                  global_attn_indexes=(5, 11, 17, 23)),
    'vit-h': dict(embed_dim=1280, depth=32, num_heads=16,
                  global_attn_indexes=(7, 15, 23, 31)),
}


@MODELS.register_module()
class SAMViT(BaseModule):
    """SAM's ``ImageEncoderViT`` returning the outputs of several blocks.

    The encoder is built by the ``segment-anything`` package (imported
    without torchvision, see :mod:`qdtrack.datasets.masa.sam_import`); this
    module adopts its ``patch_embed``, ``pos_embed``, ``blocks`` and
    ``neck``, so its state dict is exactly SAM's ``image_encoder.*`` (the
    layout of official SAM checkpoints, converted by
    ``tools/masa/convert_sam_checkpoint.py``). The forward pass is the
    encoder's up to the blocks, keeping the outputs of ``out_indices``
    (what the public MASA code's ``forward_base_multi_level`` returns); the
    256-channel ``neck`` is kept for the layout but not run.

    Inputs of the pretraining size (``img_size``, 1024: the MASA configs pad
    every image to 1024 x 1024) use the absolute position embedding as it
    is, so features equal the public code's. Other sizes (multiples of the
    patch size) get it resized bicubically, as ViTDet does; the relative
    position tables are resized by the package itself.

    Args:
        arch (str | dict): ``'vit-b'``, ``'vit-l'``, ``'vit-h'``, or a dict
            with ``embed_dim``, ``depth``, ``num_heads`` and
            ``global_attn_indexes`` (e.g. a tiny encoder for tests).
        img_size (int): Pretraining image size. Defaults to 1024.
        patch_size (int): Defaults to 16 (stride of every output).
        window_size (int): Window of the non-global blocks. Defaults to 14.
        out_chans (int): Channels of the (unused) neck. Defaults to 256.
        out_indices (Sequence[int], optional): Blocks whose outputs are
            returned; defaults to the global-attention blocks.
        frozen (bool): No gradients and always in eval mode. Defaults to
            True.
        init_cfg (dict, optional): E.g. ``dict(type='Pretrained',
            checkpoint='sam_vit_b_encoder.pth')``.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'vit-b',
                 img_size: int = 1024,
                 patch_size: int = 16,
                 window_size: int = 14,
                 out_chans: int = 256,
                 out_indices: Optional[Sequence[int]] = None,
                 frozen: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in SAM_VIT_ARCHS:
                raise ValueError(f'arch must be one of {list(SAM_VIT_ARCHS)} '
                                 f'or a dict, got {arch!r}')
            arch = SAM_VIT_ARCHS[arch]
        arch = dict(arch)
        depth = arch['depth']
        if out_indices is None:
            out_indices = arch['global_attn_indexes']
        out_indices = tuple(int(i) for i in out_indices)
        if not out_indices or any(not 0 <= i < depth for i in out_indices):
            raise ValueError(f'out_indices {out_indices} must be blocks of '
                             f'0..{depth - 1}')
        from qdtrack.datasets.masa.sam_import import import_segment_anything
        import_segment_anything()
        from segment_anything.modeling import ImageEncoderViT
        encoder = ImageEncoderViT(
            img_size=img_size, patch_size=patch_size, in_chans=3,
            embed_dim=arch['embed_dim'], depth=depth,
            num_heads=arch['num_heads'], mlp_ratio=4.0, out_chans=out_chans,
            qkv_bias=True, use_abs_pos=True, use_rel_pos=True,
            # SAM's LayerNorm eps (build_sam.py; the class defaults to 1e-5)
            norm_layer=partial(nn.LayerNorm, eps=1e-6),
            window_size=window_size,
            global_attn_indexes=tuple(arch['global_attn_indexes']))
        self.img_size = img_size
        self.patch_size = patch_size
        self.embed_dim = arch['embed_dim']
        self.out_indices = out_indices
        self.patch_embed = encoder.patch_embed
        self.pos_embed = encoder.pos_embed
        self.blocks = encoder.blocks
        self.neck = encoder.neck
        self.frozen = frozen
        if frozen:
            self.requires_grad_(False)
            self.eval()

    def train(self, mode: bool = True) -> 'SAMViT':
        """Set the mode; a frozen encoder stays in eval mode."""
        return super().train(mode and not self.frozen)

    def position_embedding(self, h: int, w: int) -> Tensor:
        """The absolute position embedding (1, h, w, C) of an h x w grid."""
        pos = self.pos_embed
        if pos.shape[1:3] == (h, w):
            return pos
        pos = F.interpolate(pos.permute(0, 3, 1, 2), size=(h, w),
                            mode='bicubic', align_corners=False)
        return pos.permute(0, 2, 3, 1)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Run the patch embedding and the blocks.

        Args:
            x (Tensor): Images (B, 3, H, W), H and W multiples of the patch
                size (16).

        Returns:
            tuple[Tensor]: One map (B, C, H / 16, W / 16) per index of
            ``out_indices``, C = ``embed_dim``.
        """
        h, w = x.shape[-2:]
        if h % self.patch_size or w % self.patch_size:
            raise ValueError(
                f'SAMViT: input {h}x{w} is not a multiple of the patch size '
                f'{self.patch_size}; pad it (pad_size_divisor)')
        x = self.patch_embed(x)  # (B, H/16, W/16, C)
        x = x + self.position_embedding(x.size(1), x.size(2))
        outs = []
        last = max(self.out_indices)
        for i, block in enumerate(self.blocks[:last + 1]):
            x = block(x)
            if i in self.out_indices:
                outs.append(x.permute(0, 3, 1, 2).contiguous())
        return tuple(outs)
