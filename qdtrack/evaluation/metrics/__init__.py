from .mot_challenge_metric import MOTChallengeMetric

__all__ = ['MOTChallengeMetric']
