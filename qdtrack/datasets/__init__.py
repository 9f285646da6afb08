from .coco_video_dataset import CocoVideoDataset
from .samplers import TrackImgSampler
from .tao import TAODataset
from .video_wrappers import ClassBalancedVideoDataset, VideoConcatDataset

__all__ = [
    'CocoVideoDataset', 'TAODataset', 'TrackImgSampler',
    'ClassBalancedVideoDataset', 'VideoConcatDataset'
]
