"""The centre-distance prior of the public MASA TAO tracker."""
import math
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from qdtrack.models.trackers import QuasiDenseTrackManager
from qdtrack.models.trackers.distance_prior import centre_distance_prior
from qdtrack.models.trackers.mmdet_compat import mmdet_tracker_kwargs

ROOT = Path(__file__).parents[3]
PRESETS = Config.fromfile(ROOT / 'configs/_base_/trackers/masa.py')
# fps 6: the allowed distance grows by e per frame of gap (growth fps / 6
# = 1) and decays over 100 / 6 pixels beyond it
MEMO = [0., 0., 20., 20.]  # centre (10, 10)
NEAR = [20., 0., 40., 20.]  # centre 20 px away
FAR = [60., 0., 80., 20.]  # centre 60 px away


def test_prior_by_hand():
    dets = torch.tensor([NEAR, FAR])
    memo = torch.tensor([MEMO, MEMO, MEMO])
    gaps = torch.tensor([0, 1, 2])
    w = centre_distance_prior(dets, memo, gaps, max_distance=10., fps=6.)
    expected = torch.tensor([
        # gap 0: 10 px allowed; gap 1: 10e = 27.2; gap 2: 10e^2 = 73.9
        [math.exp(-(20 - 10) * 6 / 100), 1., 1.],
        [math.exp(-(60 - 10) * 6 / 100),
         math.exp(-(60 - 10 * math.e) * 6 / 100), 1.],
    ])
    torch.testing.assert_close(w, expected)
    assert abs(float(w[1, 1]) - 0.1396) < 1e-4


def tao_manager(**kwargs):
    cfg = dict(PRESETS.masa_tao_tracker, **kwargs)
    assert cfg.pop('type') == 'QuasiDenseTrackManager'
    return QuasiDenseTrackManager(**cfg)


def run(manager, frames):
    """Track one detection per frame (or none) with one fixed embedding;
    returns the id given at each frame with a detection (None: untracked).
    """
    embed = torch.tensor([[1., 0., 0., 0.]])
    ids = []
    for frame_id, box in enumerate(frames):
        if box is None:
            manager.track(torch.zeros(0, 4), torch.zeros(0),
                          torch.zeros(0, dtype=torch.long), torch.zeros(0, 4),
                          frame_id)
            continue
        out = manager.track(torch.tensor([box]), torch.tensor([0.9]),
                            torch.zeros(1, dtype=torch.long), embed, frame_id)
        ids.append(out.ids.tolist()[0] if len(out) else None)
    return ids


def test_far_match_refused_near_match_kept():
    # same embedding: similarity (bi-softmax 1 + cosine 1) / 2 = 1
    # without the prior any jump keeps the id
    assert run(tao_manager(), [MEMO, FAR]) == [0, 0]
    # with it, 60 px one frame later: 1 * 0.1396 < 0.5, a new track
    assert run(tao_manager(max_distance=10, fps=6), [MEMO, FAR]) == [0, 1]
    # 20 px, within the 27.2 px allowed after one frame: kept
    assert run(tao_manager(max_distance=10, fps=6), [MEMO, NEAR]) == [0, 0]
    # after a frame without detections 73.9 px are allowed: 60 px is kept
    assert run(tao_manager(max_distance=10, fps=6),
               [MEMO, None, FAR]) == [0, 0]
    # a higher frame rate allows less growth per frame: 10 e^(2/5) = 14.9
    assert run(tao_manager(max_distance=10, fps=30),
               [MEMO, None, NEAR]) == [0, 1]


def test_excluded_pairs_stay_excluded_when_the_prior_underflows():
    manager = tao_manager(max_distance=0, fps=1000, with_cats=True)
    embeds = torch.eye(2, 4)
    manager.track(torch.tensor([MEMO, NEAR]), torch.tensor([0.9, 0.8]),
                  torch.tensor([0, 1]), embeds, 0)
    far = torch.tensor([[1e4, 1e4, 1e4 + 20, 1e4 + 20]])
    out = manager.track(far, torch.tensor([0.9]), torch.tensor([0]),
                        embeds[:1], 1)  # prior exp(-1.4e5) = 0
    assert out.ids.tolist() == [2]


def test_presets_and_arguments():
    assert PRESETS.masa_tao_tracker.max_distance == -1  # released: off
    plug = PRESETS.masa_plug_and_play_tracker
    assert (plug.max_distance, plug.fps) == (100, 30)
    with pytest.raises(ValueError, match='max_distance'):
        tao_manager(max_distance=-2)
    with pytest.raises(ValueError, match='fps must be > 0'):
        tao_manager(max_distance=10, fps=0)
    with pytest.raises(ValueError, match='max_distance'):
        mmdet_tracker_kwargs(QuasiDenseTrackManager(max_distance=10))
    assert 'max_distance' not in mmdet_tracker_kwargs(
        QuasiDenseTrackManager())
