from .deform_fusion import DeformFusion, DeformFusionBlock, as_read_by_mmcv
from .masa_adapter import MASAAdapter
from .simple_fpn import SimpleFPN

__all__ = [
    'DeformFusion', 'DeformFusionBlock', 'MASAAdapter', 'SimpleFPN',
    'as_read_by_mmcv'
]
