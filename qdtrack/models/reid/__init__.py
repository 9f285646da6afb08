from .bnneck_head import BNNeckReIDHead
from .reid_data_preprocessor import ReIDDataPreprocessor
from .simple_reid import SimpleReID
from .ssl_mot import SSLMOTEmbedder, embedding_spread, random_views

__all__ = [
    'BNNeckReIDHead', 'ReIDDataPreprocessor', 'SimpleReID', 'SSLMOTEmbedder',
    'embedding_spread', 'random_views'
]
