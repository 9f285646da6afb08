from .inference_speedup_hook import InferenceSpeedupHook

__all__ = ['InferenceSpeedupHook']
