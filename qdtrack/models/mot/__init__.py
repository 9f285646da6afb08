from .deep_sort import DeepSORT
from .qdtrack import QDTrack
from .sort import SORT
from .ssl_mot import SSLMOT
from .unitrack import UniTrack

__all__ = ['DeepSORT', 'QDTrack', 'SORT', 'SSLMOT', 'UniTrack']
