from . import backbones, losses, mot, reid, track_heads, trackers, utils  # noqa: F401
