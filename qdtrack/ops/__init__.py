from .deform_conv import (
                          modulated_deform_conv2d_forward_cpu,
                          modulated_deform_conv2d_torch,
)
from .roi_align import RoIAlign, roi_align_forward_cpu, use_cpu_roi_align

__all__ = [
    'RoIAlign', 'modulated_deform_conv2d_forward_cpu',
    'modulated_deform_conv2d_torch', 'roi_align_forward_cpu',
    'use_cpu_roi_align'
]
