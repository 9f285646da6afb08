"""Toy video benchmark: a synthetic street scene where appearance matters.

``generate_toy_benchmark`` writes MOT17-layout sequences and CocoVID JSON
files (see docs/data_formats.md); ``tools/generate_toy.py`` is its CLI.
"""
from .generator import CATEGORIES, MOT_CLASS, generate_toy_benchmark

__all__ = ['generate_toy_benchmark', 'CATEGORIES', 'MOT_CLASS']
