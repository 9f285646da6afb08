from .coco_video_dataset import CocoVideoDataset
from .tao import TAODataset
from .transforms import ImageReadError, LoadImageFromFile

__all__ = [
    'CocoVideoDataset', 'ImageReadError', 'LoadImageFromFile', 'TAODataset'
]
