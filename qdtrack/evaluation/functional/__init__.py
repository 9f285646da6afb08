from .mot_challenge import evaluate_mot_challenge, format_mot_table

__all__ = ['evaluate_mot_challenge', 'format_mot_table']
