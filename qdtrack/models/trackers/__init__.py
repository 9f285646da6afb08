from .quasi_dense_track_manager import QuasiDenseTrackManager
from .sort_tracker import SORTTracker
from .unitrack_tracker import UniTrackTracker

__all__ = ['QuasiDenseTrackManager', 'SORTTracker', 'UniTrackTracker']
