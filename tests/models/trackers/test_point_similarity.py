"""Tests of UniTrack's point-feature similarities (RSM, GF, CF)."""
import math

import pytest
import torch
import torch.nn.functional as F

from qdtrack.models.trackers.point_similarity import (
    center_feature_similarity,
    center_features,
    global_feature_similarity,
    point_similarity,
    reconstruction_similarity,
)
from qdtrack.models.trackers.similarity import match_similarity


def reference_rsm(dets, tracks, temperature=0.01):
    """Per-pair loop, written from the definition (tracks x detections).

    Every point is normalised; the affinity of all track points with all
    detection points is softmaxed once over each row and once over each
    column; then every pair is rebuilt and compared on its own.
    """
    num_d, num_t = len(dets), len(tracks)
    fd = [F.normalize(d.flatten(1), dim=0).t() for d in dets]  # (P, C)
    ft = [F.normalize(t.flatten(1), dim=0).t() for t in tracks]
    aff = torch.cat(ft) @ torch.cat(fd).t()
    row = (aff / temperature).softmax(dim=1)
    col = (aff / temperature).softmax(dim=0)
    num_p = fd[0].size(0)
    cost = torch.zeros(num_t, num_d, dtype=aff.dtype)
    for t in range(num_t):
        for d in range(num_d):
            rt, rd = slice(t * num_p, (t + 1) * num_p), slice(
                d * num_p, (d + 1) * num_p)
            recon_t = row[rt, rd] @ fd[d]  # track t rebuilt from det d
            recon_d = col[rt, rd].t() @ ft[t]  # det d rebuilt from track t
            cos_td = F.normalize(recon_t.flatten(), dim=0) @ F.normalize(
                ft[t].flatten(), dim=0)
            cos_dt = F.normalize(recon_d.flatten(), dim=0) @ F.normalize(
                fd[d].flatten(), dim=0)
            cost[t, d] = 1 - (cos_td + cos_dt) / 2
    return cost


@pytest.mark.parametrize('chans,grid', [(3, (4, 10)), (64, (2, 3)),
                                        (16, (4, 10))])
@pytest.mark.parametrize('temperature', [0.01, 0.5])
def test_rsm_equals_per_pair_loop(chans, grid, temperature):
    # channels below and above the number of points: both norm paths
    gen = torch.Generator().manual_seed(chans)
    dets = torch.randn(5, chans, *grid, generator=gen, dtype=torch.float64)
    tracks = torch.randn(3, chans, *grid, generator=gen, dtype=torch.float64)
    tracks[1] = dets[2] + 0.1 * torch.randn(chans, *grid, generator=gen,
                                            dtype=torch.float64)
    sim = reconstruction_similarity(dets, tracks, temperature)
    assert sim.shape == (5, 3)
    ref = reference_rsm(dets, tracks, temperature)
    torch.testing.assert_close(1 - sim.t(), ref, rtol=1e-9, atol=1e-9)
    # the near copy is the most similar detection of track 1
    assert int(sim[:, 1].argmax()) == 2


def test_rsm_float32_matches_float64():
    gen = torch.Generator().manual_seed(1)
    dets = torch.randn(7, 32, 4, 10, generator=gen)
    tracks = torch.randn(6, 32, 4, 10, generator=gen)
    torch.testing.assert_close(
        reconstruction_similarity(dets, tracks),
        reconstruction_similarity(dets.double(), tracks.double()).float(),
        rtol=1e-4, atol=1e-5)


def _grid(points):
    """(P, C) points -> (1, C, 1, P) features."""
    return torch.tensor(points, dtype=torch.float64).t()[None, :, None, :]


def test_rsm_hand_computed_two_detections():
    # track points e1, e2; detection A = (e1, e1), B = (e2, e2); T = 1.
    # Row softmax of p1 over all four detection points: e/(2e+2) on A's,
    # 1/(2e+2) on B's, so track <- A is (a e1, b e1) with a = e/(e+1),
    # b = 1/(e+1): cos = a / (sqrt(a^2+b^2) sqrt(2)). Each A point's column
    # softmax over (p1, p2) is (a, b): A <- track is ((a, b), (a, b)),
    # cos = a / sqrt(a^2+b^2). B is the mirror image.
    track = _grid([[1, 0], [0, 1]])
    dets = torch.cat([_grid([[1, 0], [1, 0]]), _grid([[0, 1], [0, 1]])])
    e = math.e
    a, b = e / (e + 1), 1 / (e + 1)
    ratio = a / math.hypot(a, b)
    expected = (ratio / math.sqrt(2) + ratio) / 2
    sim = reconstruction_similarity(dets, track, temperature=1.0)
    torch.testing.assert_close(
        sim, torch.full((2, 1), expected, dtype=torch.float64))
    assert abs(expected - 0.801067) < 1e-6
    # alone, A would rebuild the track as (e1, e1): cos_td = 1/2, while the
    # column side is unchanged
    alone = reconstruction_similarity(dets[:1], track, temperature=1.0)
    torch.testing.assert_close(
        alone, torch.tensor([[(0.5 + ratio) / 2]], dtype=torch.float64))


def test_rsm_hand_computed_sharp_temperature():
    # track (e1, e2), detection (e1, e1), T = 0.01: rows split evenly over
    # the two equal detection points, so the track is rebuilt as (e1, e1),
    # cos 1/2; columns pick p1 (weight 1 - 4e-44), the detection is rebuilt
    # exactly: cos 1. Similarity 3/4, UniTrack cost 1/4.
    sim = reconstruction_similarity(
        _grid([[1, 0], [1, 0]]), _grid([[1, 0], [0, 1]]), 0.01)
    torch.testing.assert_close(
        sim, torch.tensor([[0.75]], dtype=torch.float64))


def test_rsm_ignores_point_norms_and_handles_empty():
    gen = torch.Generator().manual_seed(3)
    dets = torch.randn(4, 8, 4, 10, generator=gen)
    tracks = torch.randn(2, 8, 4, 10, generator=gen)
    scale = torch.rand(4, 1, 4, 10, generator=gen) + 0.5
    torch.testing.assert_close(
        reconstruction_similarity(dets * scale, tracks),
        reconstruction_similarity(dets, tracks))
    assert reconstruction_similarity(dets[:0], tracks).shape == (0, 2)
    assert reconstruction_similarity(dets, tracks[:0]).shape == (4, 0)
    with pytest.raises(ValueError, match='differ in shape'):
        reconstruction_similarity(dets, tracks[:, :, :2])
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        reconstruction_similarity(dets.flatten(1), tracks.flatten(1))
    with pytest.raises(ValueError, match='temperature'):
        reconstruction_similarity(dets, tracks, 0.0)


def test_global_and_center_features_hand_computed():
    # 2 x 4 grid, 2 channels; centre = mean of the middle 2 x 2 points
    det = torch.zeros(1, 2, 2, 4)
    det[0, 0] = 1.0  # every point (1, 0)
    det[0, 1, :, 1:3] = 1.0  # middle columns (1, 1)
    track = torch.zeros(1, 2, 2, 4)
    track[0, 1] = 1.0  # every point (0, 1)
    torch.testing.assert_close(center_features(det),
                               torch.tensor([[1.0, 1.0]]))
    torch.testing.assert_close(center_feature_similarity(det, track),
                               torch.tensor([[1 / math.sqrt(2)]]))
    # pooled det = (1, 0.5): cosine with (0, 1) = 0.5 / sqrt(1.25)
    torch.testing.assert_close(global_feature_similarity(det, track),
                               torch.tensor([[0.5 / math.sqrt(1.25)]]))
    odd = torch.arange(2 * 3 * 5, dtype=torch.float32).view(1, 2, 3, 5)
    torch.testing.assert_close(center_features(odd), odd[:, :, 1, 2])


def test_dispatch_and_match_similarity():
    gen = torch.Generator().manual_seed(4)
    dets = torch.randn(3, 4, 4, 10, generator=gen)
    tracks = torch.randn(2, 4, 4, 10, generator=gen)
    for metric, fn in (('rsm', reconstruction_similarity),
                       ('global', global_feature_similarity),
                       ('center', center_feature_similarity)):
        torch.testing.assert_close(
            point_similarity(dets, tracks, metric), fn(dets, tracks))
        valid = torch.tensor([[True, False], [True, True], [False, True]])
        sim = match_similarity(dets, tracks, metric, valid)
        torch.testing.assert_close(sim[valid], fn(dets, tracks)[valid])
        assert torch.isinf(sim[~valid]).all()
    with pytest.raises(ValueError, match='point metric'):
        point_similarity(dets, tracks, 'cosine')
