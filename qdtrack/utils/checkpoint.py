"""Load a checkpoint into a model and say clearly when it does not fit.

mmengine's ``Runner`` loads ``load_from`` non-strictly and only logs the
missing keys, so a checkpoint of another architecture (or none at all)
gives a model with random weights and a run that "succeeds" with zero
scores. :func:`load_tracker_checkpoint` checks the keys, the shapes and the
values first and raises :class:`CheckpointMismatchError` with a summary.
"""
import os
import os.path as osp
import re
import warnings
from typing import Dict, List, Tuple

import torch
from mmengine.model import is_model_wrapper
from mmengine.runner import CheckpointLoader, load_state_dict
from torch import nn

#: At most this many keys are named per kind of problem.
SHOWN_KEYS = 3


class CheckpointMismatchError(ValueError):
    """A checkpoint that does not fit the model (message names both).

    Attributes:
        missing (list[str]): Model keys absent from the checkpoint.
        unexpected (list[str]): Checkpoint keys the model does not have.
        mismatched (list[str]): Keys whose shapes differ.
        non_finite (list[str]): Checkpoint tensors with NaN or inf.
    """

    def __init__(self, message: str, missing=(), unexpected=(),
                 mismatched=(), non_finite=()) -> None:
        super().__init__(message)
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.mismatched = list(mismatched)
        self.non_finite = list(non_finite)


def _examples(keys: List[str]) -> str:
    shown = ', '.join(keys[:SHOWN_KEYS])
    return shown + (', ...' if len(keys) > SHOWN_KEYS else '')


def compare_state_dicts(
        model_sd: Dict[str, torch.Tensor],
        ckpt_sd: Dict[str, torch.Tensor]) -> Tuple[list, list, list, list]:
    """Differences between a model's state dict and a checkpoint's.

    Args:
        model_sd (dict[str, Tensor]): ``model.state_dict()``.
        ckpt_sd (dict[str, Tensor]): The checkpoint's state dict.

    Returns:
        tuple[list[str], ...]: ``missing`` (model keys not in the
        checkpoint), ``unexpected`` (checkpoint keys not in the model),
        ``mismatched`` (``'key: checkpoint (a, b) vs model (c, d)'``) and
        ``non_finite`` (checkpoint float tensors holding NaN or inf),
        each sorted.
    """
    missing = sorted(set(model_sd) - set(ckpt_sd))
    unexpected = sorted(set(ckpt_sd) - set(model_sd))
    mismatched = []
    for key in sorted(set(model_sd) & set(ckpt_sd)):
        a, b = ckpt_sd[key], model_sd[key]
        if hasattr(a, 'shape') and tuple(a.shape) != tuple(b.shape):
            mismatched.append(f'{key}: checkpoint {tuple(a.shape)} vs '
                              f'model {tuple(b.shape)}')
    non_finite = sorted(
        key for key, value in ckpt_sd.items()
        if torch.is_tensor(value) and value.is_floating_point()
        and not bool(torch.isfinite(value).all()))
    return missing, unexpected, mismatched, non_finite


def load_tracker_checkpoint(model: nn.Module,
                            path: str,
                            strict: bool = True,
                            map_location: str = 'cpu') -> dict:
    """Load the weights of ``path`` into ``model``, checking that they fit.

    The checkpoint is read with mmengine's loader (``torch.load`` with
    ``weights_only``; qdtrack allowlists exactly what mmengine checkpoints
    hold). A ``module.`` prefix (distributed training) is removed from the
    keys. Before anything is copied, the keys and shapes are compared with
    the model's and the float tensors are checked for NaN and inf (the
    weights of a diverged training).

    Args:
        model (nn.Module): The model (a wrapper is unwrapped).
        path (str): The checkpoint file (or any URI mmengine can read).
        strict (bool): Raise on any missing, unexpected or mis-shaped key
            and on non-finite weights. With False the problems are warned
            about and the matching weights are loaded. Defaults to True.
        map_location (str): Where tensors are loaded. Defaults to 'cpu'.

    Returns:
        dict: The whole checkpoint (``state_dict``, ``meta`` ...).

    Raises:
        FileNotFoundError: A local ``path`` does not exist.
        CheckpointMismatchError: ``strict`` and the checkpoint does not fit
            (the message names the file, the model, the number of keys of
            each problem and a few of them), or the file is not a
            checkpoint that can be read safely.
    """
    path = os.fspath(path)
    if '://' not in path and not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    try:
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location)
    except Exception as err:  # unpickling and format errors of all kinds
        first = str(err).strip().splitlines()[0] if str(err) else ''
        raise CheckpointMismatchError(
            f'{path}: cannot be read as a checkpoint ({type(err).__name__}: '
            f'{first})') from err
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(
            f'{path}: not a checkpoint (holds a {type(checkpoint).__name__}, '
            'expected a dict with a state_dict)')
    state_dict = checkpoint.get('state_dict', checkpoint)
    state_dict = {re.sub(r'^module\.', '', k): v
                  for k, v in state_dict.items()}
    if is_model_wrapper(model):
        model = model.module
    missing, unexpected, mismatched, non_finite = compare_state_dicts(
        model.state_dict(), state_dict)
    problems = []
    for keys, what in ((missing, 'missing'), (unexpected, 'unexpected'),
                       (mismatched, 'with another shape'),
                       (non_finite, 'with NaN or inf values')):
        if keys:
            problems.append(f'{len(keys)} key(s) {what}, e.g. '
                            f'{_examples(keys)}')
    if problems:
        message = (f'checkpoint {path} does not fit the model '
                   f'{type(model).__name__} ({len(state_dict)} checkpoint '
                   f'keys, {len(model.state_dict())} model keys): '
                   + '; '.join(problems))
        if non_finite:
            message += ' (weights of a diverged training?)'
        if strict:
            raise CheckpointMismatchError(message, missing, unexpected,
                                          mismatched, non_finite)
        warnings.warn(message + '; loading the rest (strict=False)',
                      stacklevel=2)
    bad = {k.split(':')[0] for k in mismatched}
    load_state_dict(model, {k: v for k, v in state_dict.items()
                            if k not in bad}, strict=False, logger='silent')
    warn_embedding_settings(model, checkpoint, path)
    return checkpoint


#: Embedding-head settings that change what the tracker compares without
#: changing any weight, with their defaults (the temperature only for a
#: head on cosines, see ``QuasiDenseEmbedHead.predict``).
EMBED_SETTINGS = dict(cosine_logits=False, softmax_temp=-1)


def warn_embedding_settings(model: nn.Module, checkpoint: dict,
                            path: str) -> List[str]:
    """Warn when the model embeds with other settings than it was trained.

    A head trained on cosine similarities (``cosine_logits``) returns
    normalised embeddings at test time; the same weights in a head built
    without it return raw ones, which the tracker's bi-softmax reads with
    no error (an InfoNCE toy run: 12.7 instead of 33.5 AssA). The training
    config that mmengine stores in ``meta['cfg']`` is compared with every
    embedding head of ``model`` that has these settings.

    Args:
        model (nn.Module): The loaded model (a wrapper is unwrapped).
        checkpoint (dict): The checkpoint, with its ``meta``.
        path (str): The checkpoint file, named in the warning.

    Returns:
        list[str]: The differences (``'name.key: trained A, model B'``).
    """
    text = (checkpoint.get('meta') or {}).get('cfg')
    if not isinstance(text, str):
        return []
    try:
        from mmengine.config import Config
        trained = Config.fromstring(text, '.py').get('model', {})
    except Exception:  # a config that no longer parses: nothing to compare
        return []
    if is_model_wrapper(model):
        model = model.module
    diffs = []
    for name, module in model.named_modules():
        if not all(hasattr(module, k) for k in EMBED_SETTINGS):
            continue
        cfg = trained
        for part in name.split('.'):
            cfg = cfg.get(part) if isinstance(cfg, dict) else None
        if not isinstance(cfg, dict):
            continue
        cosine = (cfg.get('cosine_logits', False), module.cosine_logits)
        for key, default in EMBED_SETTINGS.items():
            value = cfg.get(key, default)
            if key == 'softmax_temp' and not any(cosine):
                continue  # a dot-product head's temperature is training's
            if value != getattr(module, key):
                diffs.append((f'{name}.{key}', value, getattr(module, key)))
    if diffs:
        fixes = ' '.join(f'model.{k}={v!r}' for k, v, _ in diffs)
        found = '; '.join(f'{k}: trained {v!r}, model {m!r}'
                          for k, v, m in diffs)
        warnings.warn(
            f'checkpoint {path} was trained with other embedding settings '
            f'than the model has ({found}): the tracker will compare other '
            f'similarities than the head learnt. Test with the training '
            f'config, or add --cfg-options {fixes}',
            stacklevel=3)
    return [f'{k}: trained {v!r}, model {m!r}' for k, v, m in diffs]


def untrained_parameters(model: nn.Module) -> int:
    """How many weights only a checkpoint can give this model.

    Parameters that require gradients count; frozen ones do not: a frozen
    appearance model (UniTrack's backbone, a DeepSORT ReID model, an
    SSL-MOT embedder) got its weights when it was built (ImageNet, or its
    own ``checkpoint`` / ``reid_checkpoint``).

    Args:
        model (nn.Module): A built model.

    Returns:
        int: Number of such weights (0 for SORT and frozen models).
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
