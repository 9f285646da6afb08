from .mot_challenge_metric import MOTChallengeMetric

__all__ = ['MOTChallengeMetric']
from . import bdd100k_metric, tao_metric  # noqa: E402,F401
