from .crop_box import CropBox

__all__ = ['CropBox']
