from .ssl_mot import SSLMOTEmbedder, embedding_spread, random_views

__all__ = ['SSLMOTEmbedder', 'embedding_spread', 'random_views']
