"""Writers of tracking results in benchmark formats (atomic file writes)."""
from .mot import interpolate_tracks, write_mot_det, write_mot_results

__all__ = ['interpolate_tracks', 'write_mot_det', 'write_mot_results']
from .tao import write_tao_results  # noqa: E402,F401

from .bdd100k import write_bdd100k_results  # noqa: E402,F401 # isort: skip
