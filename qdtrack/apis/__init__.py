"""Python API: build a tracker from a config and track a video with it."""
from .detection import detect, init_detector
from .frame_source import FrameSource
from .inference import (
                        FrameResult,
                        frame_pipeline,
                        init_tracker,
                        load_weights,
                        track_video,
)
from .video_sink import VideoSink

__all__ = [
    'FrameResult', 'FrameSource', 'detect', 'frame_pipeline',
    'init_detector', 'init_tracker', 'load_weights', 'track_video',
    'VideoSink'
]
