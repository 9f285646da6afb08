"""Track a video from Python: :func:`init_tracker` and :func:`track_video`.

Each frame goes through the config's own test pipeline (image loading
swapped for an in-memory image, annotation loading dropped) and the model's
``test_step``, exactly as ``tools/test.py`` runs it, so the results are
those of the test tool on the same images. Frames are read, tracked and
handed over one at a time: memory does not grow with the video length.
"""
import copy
import os
from dataclasses import dataclass
from typing import Dict, Iterator, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from torch import nn

from qdtrack.registry import MODELS

from .frame_source import FrameSource, Source

#: Keys :func:`track_video` puts in every frame's metainfo.
FRAME_META_KEYS = ('frame_index', 'video_name', 'mot_frame_id',
                   'public_detections', 'public_det_labels')

Detections = Union[str, os.PathLike, Dict[int, np.ndarray]]


@dataclass
class FrameResult:
    """Tracks of one frame (boxes in original image coordinates).

    Attributes:
        frame_index (int): 0-based index of the frame in its source.
        image (np.ndarray): The frame, (H, W, 3) uint8 BGR (not a copy).
        bboxes (np.ndarray): (K, 4) float32 ``x1, y1, x2, y2``.
        scores (np.ndarray): (K, ) float32.
        labels (np.ndarray): (K, ) int64 class indices.
        ids (np.ndarray): (K, ) int64 track ids (>= 0).
        data_sample (DetDataSample): The model's output for the frame
            (``pred_track_instances``, metainfo), e.g. for the writers.
    """
    frame_index: int
    image: np.ndarray
    bboxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    ids: np.ndarray
    data_sample: object


def init_tracker(config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 cfg_options: Optional[dict] = None,
                 random_weights: bool = False) -> nn.Module:
    """Build a tracking model from a config, load its weights.

    Args:
        config (str | Config): Config file or loaded config.
        checkpoint (str, optional): Checkpoint file. Required for a model
            with learnable parameters unless ``random_weights``.
        device (str): Device of the model. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config,
            e.g. ``{'model.tracker.init_score_thr': 0.5}``.
        random_weights (bool): Allow a learned model without checkpoint:
            it keeps the weights its constructor draws (seed them with
            ``torch.manual_seed``); for smoke tests and timing only.

    Returns:
        nn.Module: The model in eval mode, with ``cfg`` (the config) and
        ``test_pipeline`` (the per-frame pipeline, see
        :func:`frame_pipeline`) attached.

    Raises:
        ValueError: A learned model without checkpoint, or a config
            without a test pipeline.
    """
    from qdtrack import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config) if isinstance(
        config, (str, os.PathLike)) else copy.deepcopy(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'qdtrack'))
    model = MODELS.build(cfg.model)
    from qdtrack.utils.checkpoint import untrained_parameters
    learned = untrained_parameters(model)
    if checkpoint is not None:
        load_weights(model, checkpoint)
    elif learned and not random_weights:
        raise ValueError(
            f'{type(model).__name__} has {learned} trainable (not frozen) '
            'weights but no checkpoint '
            'was given; pass one (or random_weights=True for a smoke test)')
    model.cfg = cfg
    model.test_pipeline = Compose(frame_pipeline(cfg))
    return model.to(device).eval()


def load_weights(model: nn.Module, checkpoint: str) -> None:
    """Load a checkpoint strictly (every key of the model, no other)."""
    from qdtrack.utils.checkpoint import load_tracker_checkpoint
    load_tracker_checkpoint(model, checkpoint, strict=True)


def frame_pipeline(cfg: Config) -> list:
    """The config's test pipeline, made to take an image array.

    ``LoadImageFromFile`` becomes mmdet's ``LoadImageFromNDArray`` (same
    options), annotation loading is dropped and ``PackTrackInputs`` also
    packs :data:`FRAME_META_KEYS`; every other transform (``Resize``, ...)
    is kept as configured.

    Args:
        cfg (Config): A config with ``test_dataloader.dataset.pipeline``.

    Returns:
        list[dict]: Transform configs for :class:`mmengine.dataset.Compose`.
    """
    try:
        pipeline = cfg.test_dataloader.dataset.pipeline
    except AttributeError:
        pipeline = None
    if not pipeline:
        raise ValueError('the config has no test_dataloader.dataset.pipeline '
                         'to preprocess frames with')
    return _adapt(copy.deepcopy(list(pipeline)))


def _adapt(transforms: list) -> list:
    out = []
    for t in transforms:
        kind = t['type'].split('.')[-1] if isinstance(t['type'],
                                                      str) else ''
        if kind in ('LoadTrackAnnotations', 'LoadAnnotations'):
            continue
        if kind == 'LoadImageFromFile':
            t['type'] = 'LoadImageFromNDArray'
        elif kind == 'PackTrackInputs':
            keys = tuple(t.get('meta_keys') or ())
            t['meta_keys'] = keys + tuple(k for k in FRAME_META_KEYS
                                          if k not in keys)
        if 'transforms' in t:
            t['transforms'] = _adapt(list(t['transforms']))
        out.append(t)
    return out


def track_video(model: nn.Module,
                source: Source,
                detections: Optional[Detections] = None,
                start: int = 0,
                end: Optional[int] = None,
                name: Optional[str] = None) -> Iterator[FrameResult]:
    """Track the frames of a video, one at a time.

    The tracker is reset at the first frame, so one model can track
    several videos in turn (not interleaved).

    Args:
        model (nn.Module): A model from :func:`init_tracker`.
        source: A video file, a folder of images, a MOT17 sequence folder
            or an iterable of (H, W, 3) uint8 BGR arrays (see
            :class:`~qdtrack.apis.frame_source.FrameSource`).
        detections (str | PathLike | dict, optional): Given boxes
            (given-observation mode): a MOT17 ``det.txt`` (frame ``f`` of
            the file is frame index ``f - 1``) or a dict frame index ->
            (K, 5) array ``x1, y1, x2, y2, score`` in image coordinates,
            or (K, 6) with each box's class index last (e.g. a TAO
            category; without it every box has the model's given label).
            Each frame carries them as ``public_detections`` (frames
            without an entry carry none, shape (0, 5)) and the classes as
            ``public_det_labels``. Models that track given boxes (SORT
            without detector) need them.
        start (int): First frame index to track. Defaults to 0.
        end (int, optional): Index one past the last frame. Defaults to
            None (the whole source).
        name (str, optional): Video name in the metainfo. Defaults to the
            source's name.

    Yields:
        FrameResult: The tracks of each frame, in frame order.

    Raises:
        ValueError: Malformed detections, or a model that needs given
            boxes and got none.
    """
    frames = FrameSource(source, start, end)
    given = None if detections is None else _given_boxes(detections)
    video_name = name or frames.name
    empty = np.zeros((0, 5), dtype=np.float32)
    for position, (index, img) in enumerate(frames):
        info = dict(
            img=[img],
            img_id=[index],
            frame_id=[index],
            frame_index=[position],
            mot_frame_id=[index + 1],
            video_id=[0],
            video_name=[video_name],
            video_length=[1])
        if frames.num_frames is not None:
            info['ori_video_length'] = [frames.num_frames]
        if given is not None:
            boxes = given.get(index, empty)
            info['public_detections'] = [boxes[:, :5]]
            if boxes.shape[1] == 6:
                info['public_det_labels'] = [boxes[:, 5].astype(np.int64)]
        yield _track_frame(model, info, index, img)


def _track_frame(model: nn.Module, info: dict, index: int,
                 img: np.ndarray) -> FrameResult:
    packed = model.test_pipeline(info)
    batch = dict(inputs=[packed['inputs']],
                 data_samples=[packed['data_samples']])
    try:
        with torch.no_grad():
            out = model.test_step(batch)
    except KeyError as err:
        if 'public_detections' not in str(err):
            raise
        raise ValueError(
            f'{type(model).__name__} tracks given boxes: pass detections '
            '(a det.txt or a dict frame index -> (K, 5) array) to '
            'track_video, or --det-file to tools/demo.py') from err
    frame = out[0][0]
    pred = frame.pred_track_instances
    return FrameResult(
        frame_index=index,
        image=img,
        bboxes=pred.bboxes.detach().cpu().numpy().reshape(-1, 4),
        scores=pred.scores.detach().cpu().numpy().reshape(-1),
        labels=pred.labels.detach().cpu().numpy().reshape(-1).astype(
            np.int64),
        ids=pred.instances_id.detach().cpu().numpy().reshape(-1).astype(
            np.int64),
        data_sample=frame)


def _given_boxes(detections: Detections) -> Dict[int, np.ndarray]:
    """Given boxes per 0-based frame index, each (K, 5) float32, or
    (K, 6) with class indices last (all non-empty frames alike)."""
    if isinstance(detections, (str, os.PathLike)):
        from qdtrack.datasets.mot_files import read_public_detections
        by_frame = read_public_detections(os.fspath(detections))
        return {frame - 1: boxes for frame, boxes in by_frame.items()}
    if not isinstance(detections, dict):
        raise ValueError('detections must be a det.txt path or a dict frame '
                         f'index -> (K, 5) array, got '
                         f'{type(detections).__name__}')
    given = {}
    for index, boxes in detections.items():
        arr = np.asarray(boxes, dtype=np.float32)
        if arr.size == 0:
            arr = arr.reshape(0, 5)
        if arr.ndim != 2 or arr.shape[1] not in (5, 6):
            raise ValueError(
                f'detections[{index}]: expected a (K, 5) array x1, y1, x2, '
                'y2, score or (K, 6) with a class index last, got shape '
                f'{arr.shape}')
        if arr.shape[1] == 6 and not np.all(arr[:, 5] == np.round(arr[:, 5])):
            raise ValueError(f'detections[{index}]: column 6 holds class '
                             'indices and must be whole numbers')
        given[int(index)] = arr
    if len({arr.shape[1] for arr in given.values() if len(arr)}) > 1:
        raise ValueError('detections: give every frame 5 columns or every '
                         'frame 6 (with class indices), not a mix')
    return given
