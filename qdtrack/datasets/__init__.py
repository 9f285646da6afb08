from .coco_video_dataset import CocoVideoDataset

__all__ = ['CocoVideoDataset']
