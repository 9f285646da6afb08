from . import (  # noqa: F401
    backbones,
    losses,
    mot,
    reid,
    track_heads,
    trackers,
    utils,
)
