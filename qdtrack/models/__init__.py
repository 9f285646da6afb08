from . import losses, mot, track_heads, trackers  # noqa: F401
