from .deep_sort import DeepSORT
from .masa import MASA
from .qdtrack import QDTrack
from .sort import SORT
from .ssl_mot import SSLMOT
from .unitrack import UniTrack

__all__ = ['DeepSORT', 'MASA', 'QDTrack', 'SORT', 'SSLMOT', 'UniTrack']
