from . import (  # noqa: F401
    backbones,
    losses,
    mot,
    necks,
    reid,
    track_heads,
    trackers,
    utils,
)
