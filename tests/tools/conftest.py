"""Fixtures shared by the tool tests."""
import pytest

from qdtrack.datasets.toy import generate_toy_benchmark


@pytest.fixture(scope='session')
def tiny_toy(tmp_path_factory):
    """A toy benchmark of 2 validation videos of 12 frames (160 x 120),
    with det.txt boxes: enough for a tool's network pass in seconds."""
    root = tmp_path_factory.mktemp('tiny_toy')
    generate_toy_benchmark(root, seed=4, num_train=1, num_val=2,
                           num_frames=12, width=160, height=120,
                           progress=False)
    return str(root)
