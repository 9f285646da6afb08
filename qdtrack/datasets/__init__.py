from . import transforms  # noqa: F401  (registers the transforms)
from .coco_video_dataset import CocoVideoDataset
from .pk_sampler import PKSampler
from .pseudo_reid_dataset import PseudoReIDDataset
from .static_image_pair_dataset import StaticImagePairDataset
from .tao import TAODataset

__all__ = [
    'CocoVideoDataset', 'PKSampler', 'PseudoReIDDataset',
    'StaticImagePairDataset', 'TAODataset'
]
