from .quasi_dense_embed_head import QuasiDenseEmbedHead
from .quasi_dense_track_head import QuasiDenseTrackHead

__all__ = ['QuasiDenseEmbedHead', 'QuasiDenseTrackHead']
