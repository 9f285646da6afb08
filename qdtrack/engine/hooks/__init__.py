from .atomic_checkpoint_hook import AtomicCheckpointHook
from .inference_speedup_hook import InferenceSpeedupHook
from .invalid_loss_hook import DivergenceError, InvalidLossHook

__all__ = [
    'AtomicCheckpointHook', 'DivergenceError', 'InferenceSpeedupHook',
    'InvalidLossHook'
]
