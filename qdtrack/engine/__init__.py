from .hooks import InferenceSpeedupHook, TrackDrawHook

__all__ = ['InferenceSpeedupHook', 'TrackDrawHook']
