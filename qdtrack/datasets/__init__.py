from . import transforms  # noqa: F401
from .coco_video_dataset import CocoVideoDataset
from .pk_sampler import PKSampler
from .pseudo_reid_dataset import PseudoReIDDataset
from .tao import TAODataset

__all__ = ['CocoVideoDataset', 'PKSampler', 'PseudoReIDDataset', 'TAODataset']
