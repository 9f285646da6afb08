"""Record what a model gives its tracker, then replay only the tracker.

A tracking model runs its detector and appearance model on every frame and
hands the result (boxes, scores, labels, embeddings, ...) to its tracker
through one ``tracker.track(...)`` call per frame, after a
``tracker.reset()`` at the first frame of each video. Tracker settings
(thresholds, memory length) change nothing before that call, so a search
over them needs the network once: :class:`RecordingTracker` keeps the
arguments of every call while a test run goes on, :class:`TrackerInputsHook`
pairs them with their frames, and :func:`replay` feeds them to a tracker
built with other settings, yielding frames the test evaluators take as they
take the model's. :func:`save_tracker_inputs` / :func:`load_tracker_inputs`
keep them in an ``.npz`` file between runs.
"""
import io
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.hooks import Hook
from mmengine.structures import InstanceData

from qdtrack.models.mot.utils import is_first_frame, track_instances
from qdtrack.utils.io import atomic_write_bytes

#: Fields of a frame's detections (``pred_instances``) that are kept.
DET_FIELDS = ('bboxes', 'scores', 'labels')


@dataclass
class TrackerInputs:
    """The arguments of one frame's ``tracker.track`` call.

    Attributes:
        meta (dict): The frame's metainfo (``frame_id``, ``video_name``,
            ...).
        args (tuple): Positional arguments of the call (tensors on CPU).
        kwargs (dict): Keyword arguments of the call (tensors on CPU).
        det (dict, optional): The frame's detections before association
            (``pred_instances``: ``bboxes`` (N, 4), ``scores`` (N, ),
            ``labels`` (N, ) tensors), for the metrics that score them.
    """
    meta: dict
    args: tuple
    kwargs: dict
    det: Optional[Dict[str, torch.Tensor]] = None


def _to_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().to('cpu', copy=True)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _fresh(value: Any) -> Any:
    """A copy the tracker may keep or modify without touching the cache."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


class RecordingTracker:
    """A tracker that keeps the arguments of every ``track`` call.

    It passes every call and attribute on to the wrapped tracker, so the
    model's output is unchanged.

    Args:
        tracker: The model's tracker (``reset()`` and ``track(...)``).
    """

    def __init__(self, tracker) -> None:
        self.tracker = tracker
        self.calls: List[Tuple[tuple, dict]] = []

    @property
    def __class__(self):
        """The wrapped tracker's class, so that ``isinstance`` checks (e.g.
        :func:`~qdtrack.models.mot.utils.associate` choosing how to call a
        tracker) see the tracker, not the recorder."""
        return type(self.tracker)

    def reset(self) -> None:
        self.tracker.reset()

    def track(self, *args, **kwargs):
        self.calls.append((tuple(_to_cpu(a) for a in args),
                           {k: _to_cpu(v) for k, v in kwargs.items()}))
        return self.tracker.track(*args, **kwargs)

    def pop_calls(self) -> List[Tuple[tuple, dict]]:
        """The calls recorded since the last pop, oldest first."""
        calls, self.calls = self.calls, []
        return calls

    def __getattr__(self, name: str):
        if name == 'tracker':  # not set yet (e.g. while unpickling)
            raise AttributeError(name)
        return getattr(self.tracker, name)


class TrackerInputsHook(Hook):
    """Pair the recorded tracker calls with the frames of each test batch.

    Installs a :class:`RecordingTracker` on the model before testing and
    puts the original tracker back afterwards. Every frame of every batch
    must have made exactly one ``track`` call (true of every model of the
    project: one call per frame after a reset at the first frame).

    Attributes:
        frames (list[TrackerInputs]): The recorded frames, in test order.
    """

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.frames: List[TrackerInputs] = []
        self._recorder: Optional[RecordingTracker] = None

    def before_test(self, runner) -> None:
        model = runner.model
        model = getattr(model, 'module', model)
        if getattr(model, 'tracker', None) is None:
            raise ValueError(f'{type(model).__name__} has no tracker whose '
                             'inputs could be recorded')
        self._model = model
        self._recorder = RecordingTracker(model.tracker)
        model.tracker = self._recorder

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        frames = [f for sample in outputs for f in sample.video_data_samples]
        calls = self._recorder.pop_calls()
        if len(calls) != len(frames):
            raise RuntimeError(
                f'{type(self._model).__name__} made {len(calls)} tracker '
                f'calls for {len(frames)} frames in test batch {batch_idx}; '
                'replaying needs exactly one call per frame')
        for frame, (args, kwargs) in zip(frames, calls):
            det = None
            if 'pred_instances' in frame:
                pred = frame.pred_instances
                det = {k: _to_cpu(pred.get(k)) for k in DET_FIELDS
                       if k in pred}
            self.frames.append(
                TrackerInputs(dict(frame.metainfo), args, kwargs, det))

    def after_test(self, runner) -> None:
        if self._recorder is not None:
            self._model.tracker = self._recorder.tracker
            self._recorder = None


def replay(frames: Iterable[TrackerInputs],
           tracker) -> Iterator[TrackDataSample]:
    """Track recorded frames again with another tracker.

    Args:
        frames (Iterable[TrackerInputs]): Recorded frames, in their test
            order (videos one after the other, frames in order).
        tracker: A tracker of the recorded model's kind, e.g. built from
            the same config with other thresholds. It is reset at the first
            frame of every video, as the model resets it.

    Yields:
        TrackDataSample: One frame each, with the recorded metainfo,
        ``pred_instances`` (when recorded) and ``pred_track_instances``,
        what the model's ``test_step`` would have output with ``tracker``.
    """
    for frame in frames:
        sample = DetDataSample(metainfo=frame.meta)
        if frame.det is not None:
            sample.pred_instances = InstanceData(**frame.det)
        if is_first_frame(sample):
            tracker.reset()
        out = tracker.track(*(_fresh(a) for a in frame.args),
                            **{k: _fresh(v) for k, v in frame.kwargs.items()})
        sample.pred_track_instances = track_instances(out)
        yield TrackDataSample(video_data_samples=[sample])


def _json_safe(meta: dict) -> dict:
    """The metainfo entries JSON keeps as they are (arrays are dropped)."""
    out = {}
    for key, value in meta.items():
        try:
            if json.loads(json.dumps(value)) == value or isinstance(
                    value, tuple):
                out[key] = value
        except (TypeError, ValueError):
            continue
    return out


def _pack(value: Any, name: str, arrays: dict) -> dict:
    if isinstance(value, torch.Tensor):
        arrays[name] = value.numpy()
        return dict(kind='tensor', name=name)
    if isinstance(value, np.ndarray):
        arrays[name] = value
        return dict(kind='ndarray', name=name)
    if value is None or isinstance(value, (bool, int, float, str)):
        return dict(kind='value', value=value)
    if isinstance(value, np.generic):
        return dict(kind='value', value=value.item())
    raise TypeError(f'cannot store a tracker argument of type '
                    f'{type(value).__name__} ({name})')


def _unpack(spec: dict, arrays) -> Any:
    if spec['kind'] == 'value':
        return spec['value']
    arr = arrays[spec['name']]
    return torch.from_numpy(arr) if spec['kind'] == 'tensor' else arr


def save_tracker_inputs(path: str, frames: List[TrackerInputs],
                        key: Optional[dict] = None) -> None:
    """Write recorded frames to an ``.npz`` file, atomically.

    Metainfo entries that are not plain JSON values (e.g. the
    ``public_detections`` arrays, already reflected in the recorded
    arguments) are not stored.

    Args:
        path (str): The ``.npz`` file.
        frames (list[TrackerInputs]): The recorded frames.
        key (dict, optional): JSON description of what produced them
            (config, checkpoint), checked by :func:`load_tracker_inputs`.
    """
    arrays: Dict[str, np.ndarray] = {}
    index = []
    for i, frame in enumerate(frames):
        index.append(dict(
            meta=_json_safe(frame.meta),
            args=[_pack(a, f'{i}/a{j}', arrays)
                  for j, a in enumerate(frame.args)],
            kwargs={k: _pack(v, f'{i}/k/{k}', arrays)
                    for k, v in frame.kwargs.items()},
            det=None if frame.det is None else {
                k: _pack(v, f'{i}/d/{k}', arrays)
                for k, v in frame.det.items()}))
    arrays['__index__'] = np.array(json.dumps(dict(key=key, frames=index)))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def load_tracker_inputs(path: str, key: Optional[dict] = None
                        ) -> List[TrackerInputs]:
    """Read frames written by :func:`save_tracker_inputs`.

    Args:
        path (str): The ``.npz`` file.
        key (dict, optional): When given, must equal the stored key.

    Returns:
        list[TrackerInputs]: The frames, tuples in the metainfo as lists.

    Raises:
        FileNotFoundError: No such file.
        ValueError: Not a file of recorded tracker inputs, or one recorded
            for another key (the differing entries are named).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no recorded tracker inputs')
    try:
        data = np.load(path, allow_pickle=False)
        index = json.loads(str(data['__index__']))
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f'{path}: not a file of recorded tracker inputs '
                         f'({err})') from None
    if key is not None and index['key'] != json.loads(json.dumps(key)):
        stored = index['key'] or {}
        diff = sorted(k for k in set(stored) | set(key)
                      if stored.get(k) != json.loads(json.dumps(key.get(k))))
        raise ValueError(f'{path} was recorded for another model or data '
                         f'(differs in: {", ".join(diff)}); delete it or '
                         'pass another cache file')
    frames = []
    for item in index['frames']:
        frames.append(TrackerInputs(
            meta=item['meta'],
            args=tuple(_unpack(s, data) for s in item['args']),
            kwargs={k: _unpack(s, data) for k, s in item['kwargs'].items()},
            det=None if item['det'] is None else {
                k: _unpack(s, data) for k, s in item['det'].items()}))
    return frames


def describe_file(path: str) -> dict:
    """Absolute path, size and modification time of a file (a cache key)."""
    stat = os.stat(path)
    return dict(path=osp.abspath(path), size=stat.st_size,
                mtime=int(stat.st_mtime))
