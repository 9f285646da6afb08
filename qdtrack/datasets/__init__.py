from .coco_video_dataset import CocoVideoDataset
from .tao import TAODataset

__all__ = ['CocoVideoDataset', 'TAODataset']
