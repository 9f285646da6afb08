from .sort_tracker import SORTTracker

__all__ = ['SORTTracker']
