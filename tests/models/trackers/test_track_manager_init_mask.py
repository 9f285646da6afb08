"""Public-detection protocol: only masked detections start new tracks."""
import torch

from qdtrack.models.mot.public_detections import public_init_mask
from qdtrack.models.trackers import QuasiDenseTrackManager


def _frame():
    bboxes = torch.tensor([[0., 0., 10., 20.], [50., 50., 60., 70.],
                           [100., 0., 110., 20.]])
    scores = torch.tensor([0.95, 0.9, 0.85])
    labels = torch.zeros(3, dtype=torch.long)
    embeds = torch.eye(3, 8)
    return bboxes, scores, labels, embeds


def test_init_mask_blocks_new_tracks_but_not_matches():
    tracker = QuasiDenseTrackManager(init_score_thr=0.8)
    bboxes, scores, labels, embeds = _frame()
    # Only the second box has a public detection next to it.
    public = torch.tensor([[51., 50., 60., 70., 0.7]])
    mask = public_init_mask(bboxes, public, iou_thr=0.5)
    assert mask.tolist() == [False, True, False]
    out = tracker.track(bboxes, scores, labels, embeds, 0, init_mask=mask)
    assert out.det_inds.tolist() == [1] and out.ids.tolist() == [0]
    # Next frame: all three again, all allowed; the existing track keeps
    # its id and the two others start tracks 1 and 2.
    out = tracker.track(bboxes, scores, labels, embeds, 1,
                        init_mask=torch.ones(3, dtype=torch.bool))
    assert dict(zip(out.det_inds.tolist(), out.ids.tolist())) == {
        1: 0, 0: 1, 2: 2}
    # A matched track continues even where the mask is False.
    out = tracker.track(bboxes, scores, labels, embeds, 2,
                        init_mask=torch.zeros(3, dtype=torch.bool))
    assert dict(zip(out.det_inds.tolist(), out.ids.tolist())) == {
        1: 0, 0: 1, 2: 2}


def test_all_true_mask_equals_no_mask():
    a, b = QuasiDenseTrackManager(), QuasiDenseTrackManager()
    g = torch.Generator().manual_seed(0)
    for frame in range(6):
        xy = torch.rand(5, 2, generator=g) * 200
        bboxes = torch.cat([xy, xy + 20], dim=1)
        scores = torch.rand(5, generator=g) * 0.5 + 0.5
        labels = torch.zeros(5, dtype=torch.long)
        embeds = torch.randn(5, 16, generator=g)
        out_a = a.track(bboxes, scores, labels, embeds, frame)
        out_b = b.track(bboxes, scores, labels, embeds, frame,
                        init_mask=torch.ones(5, dtype=torch.bool))
        assert out_a.ids.tolist() == out_b.ids.tolist()
        assert out_a.det_inds.tolist() == out_b.det_inds.tolist()
