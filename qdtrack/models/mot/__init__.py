from .deep_sort import DeepSORT
from .qdtrack import QDTrack
from .sort import SORT

__all__ = ['DeepSORT', 'QDTrack', 'SORT']
