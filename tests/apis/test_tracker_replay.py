"""Recording a tracker's inputs and replaying them (qdtrack.apis)."""
import numpy as np
import pytest
import torch

from qdtrack.apis.tracker_replay import (
    RecordingTracker,
    TrackerInputs,
    TrackerInputsHook,
    load_tracker_inputs,
    replay,
    save_tracker_inputs,
)
from qdtrack.models.trackers import QuasiDenseTrackManager


def _frames(num_videos=2, num_frames=6, seed=0):
    """Two objects per video moving right, embeddings near two directions,
    plus a random low-score box: (meta, kwargs) per frame."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for v in range(num_videos):
        base = torch.randn(2, 16, generator=g)
        for f in range(num_frames):
            boxes = torch.tensor([[10. + 3 * f, 10., 40. + 3 * f, 80.],
                                  [100. - 2 * f, 20., 130. - 2 * f, 90.],
                                  [50., 50., 70., 70.]])
            embeds = torch.cat([base + 0.1 * torch.randn(2, 16, generator=g),
                                torch.randn(1, 16, generator=g)])
            scores = torch.tensor([0.95, 0.9 - 0.1 * (f % 2), 0.6])
            meta = dict(video_name=f'V{v}', frame_id=f, frame_index=f,
                        mot_frame_id=f + 1, img_shape=(240, 320))
            out.append((meta, dict(bboxes=boxes, scores=scores,
                                   labels=torch.zeros(3, dtype=torch.long),
                                   embeds=embeds, frame_id=f)))
    return out


def _run(tracker, frames):
    """What the model does: reset at frame 0, one track call per frame."""
    recorder = RecordingTracker(tracker)
    recorded, outputs = [], []
    for meta, kwargs in frames:
        if meta['frame_index'] == 0:
            recorder.reset()
        out = recorder.track(**kwargs)
        outputs.append(out)
        (args, kw), = recorder.pop_calls()
        recorded.append(TrackerInputs(meta, args, kw))
    return recorded, outputs


def test_replay_reproduces_the_tracks_and_varies_with_settings():
    recorded, outputs = _run(QuasiDenseTrackManager(init_score_thr=0.8),
                             _frames())
    samples = list(replay(recorded, QuasiDenseTrackManager(
        init_score_thr=0.8)))
    assert len(samples) == 12
    for sample, out in zip(samples, outputs):
        pred = sample.video_data_samples[0].pred_track_instances
        assert torch.equal(pred.instances_id, out.ids)
        assert torch.equal(pred.bboxes, out.bboxes)
    ids = [s.video_data_samples[0].pred_track_instances.instances_id
           for s in samples]
    # two tracks per video; the reset at each video restarts the ids at 0
    assert ids[0].tolist() == [0, 1] and ids[6].tolist() == [0, 1]
    # a lower init threshold lets the 0.6 box start a track too
    low = list(replay(recorded, QuasiDenseTrackManager(init_score_thr=0.55)))
    assert len(low[0].video_data_samples[0].pred_track_instances) == 3
    # replaying twice gives the same: the cache is not modified
    again = list(replay(recorded, QuasiDenseTrackManager(
        init_score_thr=0.8)))
    for a, b in zip(samples, again):
        pa = a.video_data_samples[0].pred_track_instances
        pb = b.video_data_samples[0].pred_track_instances
        assert torch.equal(pa.instances_id, pb.instances_id)
    assert samples[3].video_data_samples[0].video_name == 'V0'


def test_npz_round_trip(tmp_path):
    recorded, _ = _run(QuasiDenseTrackManager(), _frames())
    recorded[0].det = dict(bboxes=torch.ones(1, 4), scores=torch.ones(1),
                           labels=torch.zeros(1, dtype=torch.long))
    recorded[1] = TrackerInputs(
        dict(recorded[1].meta, public_detections=np.zeros((2, 5))),
        (np.arange(3.0), None), dict(frame_id=1, init_mask=None))
    path = str(tmp_path / 'inputs.npz')
    save_tracker_inputs(path, recorded, key=dict(ckpt='a'))
    loaded = load_tracker_inputs(path, key=dict(ckpt='a'))
    assert len(loaded) == len(recorded)
    for a, b in zip(recorded, loaded):
        assert set(a.kwargs) == set(b.kwargs)
        for k, v in a.kwargs.items():
            if isinstance(v, torch.Tensor):
                assert torch.equal(v, b.kwargs[k]) and v.dtype == \
                    b.kwargs[k].dtype
            else:
                assert v == b.kwargs[k]
    assert torch.equal(loaded[0].det['labels'], recorded[0].det['labels'])
    assert isinstance(loaded[1].args[0], np.ndarray) and \
        loaded[1].args[1] is None
    # arrays are not kept in the metainfo; tuples come back as lists
    assert 'public_detections' not in loaded[1].meta
    assert loaded[2].meta['img_shape'] == [240, 320]
    with pytest.raises(ValueError, match='differs in: ckpt'):
        load_tracker_inputs(path, key=dict(ckpt='b'))
    (tmp_path / 'bad.npz').write_bytes(b'not a zip')
    with pytest.raises(ValueError, match='bad.npz: not a file of recorded'):
        load_tracker_inputs(str(tmp_path / 'bad.npz'))


class _Model:
    def __init__(self):
        self.tracker = QuasiDenseTrackManager()


class _Frame:
    metainfo = dict(frame_id=0)

    def __contains__(self, key):
        return False


class _Sample:
    video_data_samples = [_Frame(), _Frame()]


class _Runner:
    def __init__(self):
        self.model = _Model()


def test_hook_needs_one_call_per_frame():
    runner = _Runner()
    original = runner.model.tracker
    hook = TrackerInputsHook()
    hook.before_test(runner)
    assert isinstance(runner.model.tracker, RecordingTracker)
    _, kwargs = _frames(1, 1)[0]
    runner.model.tracker.track(**kwargs)
    with pytest.raises(RuntimeError, match='1 tracker calls for 2 frames'):
        hook.after_test_iter(runner, 0, outputs=[_Sample()])
    hook.after_test(runner)
    assert runner.model.tracker is original


def test_recorder_is_called_like_the_tracker_it_wraps():
    from qdtrack.models.mot.utils import associate
    from qdtrack.models.trackers import UniTrackTracker
    recorder = RecordingTracker(UniTrackTracker(metric='global'))
    direct = UniTrackTracker(metric='global')
    assert isinstance(recorder, UniTrackTracker)
    for _meta, kw in _frames()[:4]:
        args = (kw['bboxes'], kw['scores'], kw['labels'], kw['embeds'],
                kw['frame_id'])
        out = associate(recorder, *args)
        ref = associate(direct, *args)
        assert torch.equal(out.instances_id, ref.instances_id)
    # one recorded call per frame, with UniTrack's point features
    calls = recorder.pop_calls()
    assert len(calls) == 4 and calls[0][1]['feats'].dim() == 4
