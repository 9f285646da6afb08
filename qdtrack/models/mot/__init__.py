from .masa import MASA
from .qdtrack import QDTrack
from .sort import SORT

__all__ = ['MASA', 'QDTrack', 'SORT']
