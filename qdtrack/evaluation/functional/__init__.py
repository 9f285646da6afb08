from .id_switches import IdSwitch, SequenceTimeline, identity_timeline
from .mot_challenge import evaluate_mot_challenge, format_mot_table

__all__ = [
    'IdSwitch', 'SequenceTimeline', 'evaluate_mot_challenge',
    'format_mot_table', 'identity_timeline'
]
