from .qdtrack import QDTrack
from .sort import SORT

__all__ = ['QDTrack', 'SORT']
