from .bdd100k_metric import BDD100KMetric
from .mot_challenge_metric import MOTChallengeMetric
from .mot_detection_dump import MOTDetectionDump
from .tao_metric import TAOMetric
from .video_frame_metric import VideoFrameMetric

__all__ = [
    'BDD100KMetric', 'MOTChallengeMetric', 'MOTDetectionDump', 'TAOMetric',
    'VideoFrameMetric'
]
