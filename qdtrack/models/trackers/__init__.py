from .quasi_dense_track_manager import QuasiDenseTrackManager
from .sort_tracker import SORTTracker

__all__ = ['QuasiDenseTrackManager', 'SORTTracker']
