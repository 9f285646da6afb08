"""mmdet's tracker argument names are accepted by our track manager."""
import pytest
import torch
from mmengine.config import Config

from qdtrack.models.trackers import QuasiDenseTrackManager
from qdtrack.models.trackers.mmdet_compat import (
    MMDET_ARG_ALIASES,
    mmdet_tracker_kwargs,
)
from qdtrack.registry import MODELS

ROOT = __file__.rsplit('/tests/', 1)[0]

# The MOT17 tracker of the public QDTrack config
# (SysCV/qdtrack@c5b10472, configs/mot17/qdtrack-frcnn_r50_fpn_4e_mot17.py),
# with our type
PUBLIC_MOT17 = dict(
    type='QuasiDenseTrackManager',
    init_score_thr=0.9,
    obj_score_thr=0.5,
    match_score_thr=0.5,
    memo_tracklet_frames=30,
    memo_backdrop_frames=1,
    memo_momentum=0.8,
    nms_conf_thr=0.5,
    nms_backdrop_iou_thr=0.3,
    nms_class_iou_thr=0.7,
    with_cats=True,
    match_metric='bisoftmax')


def _stream(seed, frames=12):
    gen = torch.Generator().manual_seed(seed)
    centres = torch.rand(6, 2, generator=gen) * 200
    for _ in range(frames):
        centres = centres + torch.randn(6, 2, generator=gen)
        boxes = torch.cat([centres, centres + 30], dim=1)
        scores = 0.92 + 0.08 * torch.rand(6, generator=gen)
        embeds = 10 * torch.eye(6, 8) + torch.randn(6, 8, generator=gen)
        yield boxes, scores, torch.zeros(6, dtype=torch.long), embeds


def test_public_config_builds_our_mot17_preset():
    ported = MODELS.build(PUBLIC_MOT17)
    preset = MODELS.build(
        Config.fromfile(f'{ROOT}/configs/_base_/trackers/qdtrack_mot17.py')
        .mot17_tracker)
    assert ported.num_frames_retain == 30
    assert ported.num_frames_backdrop == 1
    assert vars(ported) == vars(preset)
    for frame_id, frame in enumerate(_stream(0)):
        a = ported.track(*frame, frame_id=frame_id)
        b = preset.track(*frame, frame_id=frame_id)
        assert torch.equal(a.ids, b.ids)
    # all 6 objects start at frame 0 (scores > 0.9) and are followed
    assert ported.num_tracks == 6


def test_aliases_round_trip_through_mmdet_kwargs():
    ours = QuasiDenseTrackManager(num_frames_retain=7, num_frames_backdrop=2,
                                  init_score_thr=0.7)
    kwargs = mmdet_tracker_kwargs(ours)
    assert kwargs['memo_tracklet_frames'] == 7
    assert kwargs['memo_backdrop_frames'] == 2
    again = QuasiDenseTrackManager(**kwargs)
    assert vars(again) == vars(ours)
    assert set(MMDET_ARG_ALIASES) == {'memo_tracklet_frames',
                                      'memo_backdrop_frames'}


def test_defaults_and_conflicts():
    default = QuasiDenseTrackManager()
    assert (default.num_frames_retain, default.num_frames_backdrop) == (10, 1)
    same = QuasiDenseTrackManager(num_frames_retain=5, memo_tracklet_frames=5)
    assert same.num_frames_retain == 5
    with pytest.raises(ValueError, match='memo_tracklet_frames=4 disagree'):
        QuasiDenseTrackManager(num_frames_retain=5, memo_tracklet_frames=4)
    with pytest.raises(ValueError, match='memo_backdrop_frames=0 disagree'):
        QuasiDenseTrackManager(num_frames_backdrop=2, memo_backdrop_frames=0)
    with pytest.raises(ValueError, match='numbers of frames must be >= 0'):
        QuasiDenseTrackManager(memo_tracklet_frames=-1)
