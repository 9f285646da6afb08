from .hooks import (
    AtomicCheckpointHook,
    DivergenceError,
    InferenceSpeedupHook,
    InvalidLossHook,
    TrackDrawHook,
)
from .runner import ResumableEpochBasedTrainLoop

__all__ = [
    'AtomicCheckpointHook', 'DivergenceError', 'InferenceSpeedupHook',
    'InvalidLossHook', 'ResumableEpochBasedTrainLoop', 'TrackDrawHook'
]
