from . import backbones, losses, mot, necks, track_heads, trackers, utils  # noqa: F401
