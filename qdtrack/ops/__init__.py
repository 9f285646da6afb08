from .roi_align import RoIAlign, roi_align_forward_cpu, use_cpu_roi_align

__all__ = ['RoIAlign', 'roi_align_forward_cpu', 'use_cpu_roi_align']
