from .atomic_checkpoint_hook import AtomicCheckpointHook
from .inference_speedup_hook import InferenceSpeedupHook
from .invalid_loss_hook import DivergenceError, InvalidLossHook
from .track_draw_hook import TrackDrawHook

__all__ = [
    'AtomicCheckpointHook', 'DivergenceError', 'InferenceSpeedupHook',
    'InvalidLossHook', 'TrackDrawHook'
]
