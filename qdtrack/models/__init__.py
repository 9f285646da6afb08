from . import backbones, losses, mot, track_heads, trackers  # noqa: F401
