from .deepsort_tracker import DeepSORTTracker
from .quasi_dense_track_manager import QuasiDenseTrackManager
from .sort_tracker import SORTTracker
from .unitrack_tracker import UniTrackTracker
from .xyah_kalman_filter import XYAHKalmanFilter

__all__ = [
    'DeepSORTTracker', 'QuasiDenseTrackManager', 'SORTTracker',
    'UniTrackTracker', 'XYAHKalmanFilter'
]
