"""UniTrack's point metrics inside the QDTrack track manager."""
import pytest
import torch

from qdtrack.models.trackers import QuasiDenseTrackManager
from qdtrack.models.trackers.point_similarity import (
    reconstruction_similarity,
)


def point_feats(seed=0):
    """Three objects in orthogonal channel pairs, (3, 6, 4, 10)."""
    gen = torch.Generator().manual_seed(seed)
    feats = torch.zeros(3, 6, 4, 10)
    for k in range(3):
        feats[k, 2 * k] = 1 + 0.3 * torch.randn(4, 10, generator=gen)
        feats[k, 2 * k + 1] = 0.3 * torch.randn(4, 10, generator=gen)
    return feats


@pytest.mark.parametrize('metric', ['rsm', 'global', 'center'])
def test_ids_follow_point_features(metric):
    manager = QuasiDenseTrackManager(match_metric=metric)
    feats = point_feats()[:2]
    boxes = torch.tensor([[0., 0., 10., 30.], [50., 0., 60., 30.]])
    scores = torch.tensor([0.9, 0.85])
    labels = torch.zeros(2, dtype=torch.long)
    out = manager.track(boxes, scores, labels, feats, frame_id=0)
    assert out.ids.tolist() == [0, 1]
    assert manager.tracks['embeds'].shape == (2, 6, 4, 10)
    # the objects swap places; appearance alone decides
    new_feats = feats.flip(0) + 0.05
    out = manager.track(boxes, scores, labels, new_feats, frame_id=1)
    assert out.ids.tolist() == [1, 0]
    # momentum 0.8 on the new features, point by point
    torch.testing.assert_close(
        manager.tracks['embeds'],
        0.2 * feats + 0.8 * new_feats.flip(0))


def test_rsm_similarity_is_the_manager_similarity():
    # the similarity the manager thresholds is the RSM of detections
    # against all memory rows
    manager = QuasiDenseTrackManager(match_metric='rsm',
                                     num_frames_backdrop=0)
    feats = point_feats()
    boxes = torch.tensor([[0., 0., 10., 30.], [50., 0., 60., 30.]])
    labels = torch.zeros(2, dtype=torch.long)
    manager.track(boxes, torch.tensor([0.9, 0.9]), labels, feats[:2], 0)
    sim = reconstruction_similarity(feats[:1], manager.tracks['embeds'])
    assert sim[0, 0] > 0.9 and sim[0, 1].abs() < 1e-6
    # a third object, orthogonal to both tracks: no match, a new id
    out = manager.track(boxes[:1], torch.tensor([0.9]), labels[:1],
                        feats[2:], 1)
    assert reconstruction_similarity(
        feats[2:], manager.tracks['embeds'][:2]).abs().max() < 1e-6
    assert out.ids.tolist() == [2]


def test_embed_shape_must_fit_the_metric():
    boxes = torch.tensor([[0., 0., 10., 30.]])
    scores, labels = torch.tensor([0.9]), torch.zeros(1, dtype=torch.long)
    with pytest.raises(ValueError, match="4-d for 'rsm'"):
        QuasiDenseTrackManager(match_metric='rsm').track(
            boxes, scores, labels, torch.randn(1, 16), 0)
    with pytest.raises(ValueError, match="2-d for 'bisoftmax'"):
        QuasiDenseTrackManager().track(boxes, scores, labels,
                                       torch.randn(1, 4, 4, 10), 0)
