from . import transforms  # noqa: F401  (registers the transforms)
from .coco_video_dataset import CocoVideoDataset
from .pk_sampler import PKSampler
from .pseudo_reid_dataset import PseudoReIDDataset
from .samplers import TrackImgSampler
from .static_image_pair_dataset import StaticImagePairDataset
from .tao import TAODataset
from .transforms import ImageReadError, LoadImageFromFile
from .video_wrappers import ClassBalancedVideoDataset, VideoConcatDataset

__all__ = [
    'ClassBalancedVideoDataset', 'CocoVideoDataset', 'ImageReadError',
    'LoadImageFromFile', 'PKSampler', 'PseudoReIDDataset',
    'StaticImagePairDataset', 'TAODataset', 'TrackImgSampler',
    'VideoConcatDataset'
]
