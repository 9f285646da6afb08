"""Boxes of a detector on single frames (e.g. to make given boxes).

A detector is given as a config + checkpoint, either an mmdet detector
config (``model.type`` e.g. ``'FasterRCNN'``, test pipeline with
``PackDetInputs``) or one of our tracking configs whose model holds a
``detector`` (QDTrack: its checkpoint's detector is used, the track head is
ignored), or a MASA config (the boxes of its ``box_source``: by default
the class-agnostic boxes of its distillation head). The frame goes through
the config's own test pipeline (made to take an array,
:func:`~qdtrack.apis.inference.frame_pipeline`) and the model's data
preprocessor, so the boxes are those ``tools/test.py`` would see.
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from torch import nn

from .inference import init_tracker


def init_detector(config: Union[str, Config],
                  checkpoint: Optional[str] = None,
                  device: str = 'cpu',
                  cfg_options: Optional[dict] = None,
                  random_weights: bool = False) -> nn.Module:
    """Build a detector (or a tracking model with one) and load it.

    Args:
        config (str | Config): mmdet detector config, a tracking config
            whose ``model`` has a ``detector``, or a MASA config with a
            distillation head.
        checkpoint (str, optional): Its checkpoint (a ``tools/train.py``
            checkpoint of that config; loaded strictly).
        device (str): Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config.
        random_weights (bool): Allow no checkpoint (tests, timing).

    Returns:
        nn.Module: The model in eval mode (see
        :func:`~qdtrack.apis.init_tracker`).

    Raises:
        ValueError: The model is neither a detector nor holds one, or has
            learned weights and no checkpoint.
    """
    model = init_tracker(config, checkpoint, device=device,
                         cfg_options=cfg_options,
                         random_weights=random_weights)
    if getattr(model, 'detector', None) is None and not hasattr(
            model, 'roi_head') and not hasattr(model, 'bbox_head'):
        raise ValueError(f'{config}: {type(model).__name__} is not a '
                         'detector and holds none (model.detector)')
    return model


def tracking_frame(model: nn.Module, img: np.ndarray, index: int = 0
                   ) -> Tuple[torch.Tensor, object]:
    """One frame through a tracking model's test pipeline and data
    preprocessor, as a one-frame video.

    Args:
        model (nn.Module): A tracking model from :func:`init_detector` or
            :func:`~qdtrack.apis.init_tracker`.
        img (np.ndarray): (H, W, 3) uint8 BGR frame.
        index (int): The frame's index (its ``img_id`` / ``frame_id``).

    Returns:
        tuple: The network input (1, C, H', W') and the frame's
        ``DetDataSample`` (``img_shape``, ``scale_factor``, ...).
    """
    packed = model.test_pipeline(dict(
        img=[img], img_id=[index], frame_id=[index], frame_index=[index],
        mot_frame_id=[index + 1], video_id=[0], video_name=['video'],
        video_length=[1]))
    batch = model.data_preprocessor(dict(
        inputs=[packed['inputs']], data_samples=[packed['data_samples']]),
        False)
    return (batch['inputs'][:, 0].contiguous(),
            batch['data_samples'][0].video_data_samples[0])


@torch.no_grad()
def detect(model: nn.Module, img: np.ndarray, index: int = 0
           ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detect the objects of one frame.

    Args:
        model (nn.Module): A model from :func:`init_detector`.
        img (np.ndarray): (H, W, 3) uint8 BGR frame.
        index (int): The frame's index (its ``img_id`` / ``frame_id``).

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: ``bboxes`` (K, 4)
        float32 ``x1, y1, x2, y2`` in the frame's pixels, ``scores`` (K, )
        float32 and ``labels`` (K, ) int64 class indices.
    """
    detector = getattr(model, 'detector', None)
    own_boxes = hasattr(model, 'frame_boxes')  # MASA: its box_source
    if detector is None and not own_boxes:  # an mmdet detector
        packed = model.test_pipeline(dict(img=img, img_id=index))
        batch = dict(inputs=[packed['inputs']],
                     data_samples=[packed['data_samples']])
        pred = model.test_step(batch)[0].pred_instances
    else:  # a tracking model: its video pipeline, one frame
        img, frame = tracking_frame(model, img, index)
        if own_boxes:
            pred = model.frame_boxes(img, model.extract_feat(img), frame,
                                     rescale=True)
        else:
            pred = detector.predict(img, [frame], rescale=True)[0]
            pred = pred.pred_instances
    return (pred.bboxes.detach().cpu().numpy().reshape(-1, 4).astype(
        np.float32), pred.scores.detach().cpu().numpy().reshape(-1).astype(
            np.float32), pred.labels.detach().cpu().numpy().reshape(
                -1).astype(np.int64))
