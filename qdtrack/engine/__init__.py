from .hooks import InferenceSpeedupHook

__all__ = ['InferenceSpeedupHook']
