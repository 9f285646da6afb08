from .loading import ImageReadError, LoadImageFromFile

__all__ = ['ImageReadError', 'LoadImageFromFile']
