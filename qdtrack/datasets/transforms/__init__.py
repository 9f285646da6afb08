from .crop_box import CropBox
from .instance_ids import KeepInstanceIds
from .loading import ImageReadError, LoadImageFromFile
from .mix_up import SharedImageMixUp
from .paste import PasteOnOtherImage
from .random_affine import RandomAffineWithHomography
from .two_views import FilterViewInstances, TwoViews

__all__ = [
    'CropBox', 'FilterViewInstances', 'ImageReadError', 'KeepInstanceIds',
    'LoadImageFromFile', 'PasteOnOtherImage', 'RandomAffineWithHomography',
    'SharedImageMixUp', 'TwoViews'
]
