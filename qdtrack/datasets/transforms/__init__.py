from .crop_box import CropBox
from .instance_ids import KeepInstanceIds
from .mix_up import SharedImageMixUp
from .random_affine import RandomAffineWithHomography
from .two_views import FilterViewInstances, TwoViews

__all__ = [
    'CropBox', 'FilterViewInstances', 'KeepInstanceIds',
    'RandomAffineWithHomography', 'SharedImageMixUp', 'TwoViews'
]
