from . import backbones, losses, mot, track_heads, trackers, utils  # noqa: F401
