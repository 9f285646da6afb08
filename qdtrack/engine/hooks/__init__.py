from .inference_speedup_hook import InferenceSpeedupHook
from .track_draw_hook import TrackDrawHook

__all__ = ['InferenceSpeedupHook', 'TrackDrawHook']
