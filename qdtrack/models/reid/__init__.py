from .bnneck_head import BNNeckReIDHead
from .reid_data_preprocessor import ReIDDataPreprocessor
from .simple_reid import SimpleReID

__all__ = ['BNNeckReIDHead', 'ReIDDataPreprocessor', 'SimpleReID']
