"""MASA inference on given boxes: ours against the public code, side by side.

    python tools/benchmarks/bench_masa_inference.py --reference MASA_CHECKOUT
        [--config configs/_base_/models/masa_r50.py]
        [--seq data/toy_test/val/TOY-01] [--frames 2] [--size W H]
        [--repeats 3] [--threads 1] [--no-reference]

MASA_CHECKOUT is a checkout of the public MASA code (siyuanliii/masa, see
``tools/benchmarks/masa_reference.sh``). Nothing of it is installed or
copied: three of its files are imported at run time
(``masa/models/necks/deform_fusion.py``, ``masa/models/mot/masa.py``,
``masa/models/losses/unbiased_contrastive_loss.py``, registered into a
scratch child of mmdet's registry, see :mod:`bench_deform_fusion`), and
its model is built from its own config
(``configs/masa-one/masa_r50_plug_and_play.py``, without the tracker):
mmdet's caffe ResNet-50, mmdet's FPN, its ``DeformFusion`` (mmcv's
modulated deformable convs), mmdet's ``QuasiDenseTrackHead`` (mmcv's
RoIAlign) and ``QuasiDenseEmbedHead``.

Ours is ``qdtrack``'s ``MASA`` from ``--config`` (``box_source='given'``)
three times: as it runs by default (at CPU inference DeformFusion's convs
use the numba kernel of ``qdtrack.ops.modulated_deform_conv2d_forward_cpu``),
with the plain-torch deformable convs (``torch_dcn=True``,
``cpu_kernel=False``: what the toy configs train with) and with mmcv's op
(``torch_dcn=False, cpu_kernel=False``: the public code's computation).
All models get the same random weights: ours are initialised, the
DeformFusion offset convs drawn from N(0, 0.01) (zero offsets would hide
the sampling), and the state dict is loaded strictly into the others (same
keys and shapes: the released layout).

Inputs: ``--frames`` frames of a MOT sequence (default the toy test video
``data/toy_test/val/TOY-01``, 320x240) with their ``det.txt`` boxes,
optionally resized to ``--size`` (boxes scaled alike), normalised as the
config's data preprocessor does and padded to a multiple of 32.

The timed path is the given-observation step without the track manager:
backbone + adapter + RoI features + embedding head, for ours
``model.extract_feat`` and ``model.track_head.predict``, for the public
model ``backbone.forward``, ``masa_adapter`` and ``track_head.predict``
(what its ``MASA.predict`` with ``given_dets`` and its trackers call).
Time is process CPU time (``time.process_time``) with ``--threads``
torch threads, so that other jobs on the machine do not count; every
repeat runs all models on every frame, the model order rotating per
frame. Printed: the largest absolute difference of every model's
embeddings from the first model's, the median CPU seconds per frame of
each, the ratios, and (in one more untimed pass) the CPU seconds spent in
the modulated deformable convolutions.
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List, Sequence, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from bench_deform_fusion import DCN_PATHS, dcn_timer, load_reference_modules  # noqa: E402

REFERENCE_FILES = ('masa/models/necks/deform_fusion.py',
                   'masa/models/losses/unbiased_contrastive_loss.py',
                   'masa/models/mot/masa.py')
REFERENCE_CONFIG = 'configs/masa-one/masa_r50_plug_and_play.py'

Frame = Tuple[torch.Tensor, torch.Tensor]  # image (1, 3, H, W), boxes (K, 4)
Embed = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--reference', help='checkout of siyuanliii/masa')
    parser.add_argument('--no-reference', action='store_true',
                        help='compare only our three deformable conv paths')
    parser.add_argument('--config',
                        default=osp.join(ROOT, 'configs/_base_/models/'
                                         'masa_r50.py'))
    parser.add_argument('--seq',
                        default=osp.join(ROOT, 'data/toy_test/val/TOY-01'),
                        help='MOT sequence folder (img1/, det/det.txt)')
    parser.add_argument('--frames', type=int, default=2)
    parser.add_argument('--size', type=int, nargs=2, metavar=('W', 'H'),
                        help='resize the frames (default: as stored)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    if not args.no_reference and not args.reference:
        parser.error('--reference PATH (or --no-reference) is required')
    return args


def load_frames(seq_dir: str, num: int, mean: Sequence[float],
                std: Sequence[float], size=None,
                divisor: int = 32) -> List[Frame]:
    """The first ``num`` frames of a MOT sequence that have boxes.

    Args:
        seq_dir (str): Sequence folder (``img1/``, ``det/det.txt``).
        num (int): Number of frames.
        mean, std (Sequence[float]): RGB normalisation (the config's).
        size (tuple[int, int], optional): Resize to (W, H); boxes scaled.
        divisor (int): Pad bottom/right to a multiple of it.

    Returns:
        list[tuple[Tensor, Tensor]]: Image (1, 3, H', W') and boxes (K, 4)
        xyxy in its pixels.
    """
    from qdtrack.datasets.mot_files import read_public_detections, read_seqinfo
    info = read_seqinfo(seq_dir)
    dets = read_public_detections(osp.join(seq_dir, 'det', 'det.txt'))
    frames = []
    for frame_id in sorted(dets)[:num]:
        path = osp.join(seq_dir, info['imDir'],
                        f"{frame_id:06d}{info['imExt']}")
        img = mmcv.imread(path, channel_order='rgb')
        boxes = torch.from_numpy(dets[frame_id][:, :4].copy())
        if size is not None:
            h0, w0 = img.shape[:2]
            img = mmcv.imresize(img, tuple(size))
            boxes = boxes * torch.tensor(
                [size[0] / w0, size[1] / h0] * 2, dtype=boxes.dtype)
        img = (img.astype(np.float32) - np.float32(mean)) / np.float32(std)
        t = torch.from_numpy(img).permute(2, 0, 1)[None].contiguous()
        h, w = t.shape[-2:]
        t = F.pad(t, (0, -w % divisor, 0, -h % divisor))
        frames.append((t, boxes))
    if len(frames) < num:
        raise ValueError(f'{seq_dir}: only {len(frames)} frames with boxes')
    return frames


def randomise_offsets(model: torch.nn.Module, std: float = 0.01) -> None:
    """Draw every DeformFusion offset/mask conv from N(0, std)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'spatial_conv_offset' in name:
                p.normal_(0, std)


OUR_DCNS = {  # name -> (torch_dcn, cpu_kernel) of DeformFusion
    'ours': DCN_PATHS['kernel'],  # the default at CPU inference
    'ours, torch DCN': DCN_PATHS['torch'],
    'ours, mmcv DCN': DCN_PATHS['mmcv'],
}


def build_ours(config: str, torch_dcn: bool,
               cpu_kernel: bool = True) -> torch.nn.Module:
    """Our MASA from ``config`` for given boxes, randomly initialised."""
    from mmengine.config import Config

    from qdtrack.registry import MODELS
    cfg = Config.fromfile(config).model
    cfg.box_source = 'given'
    cfg.pop('tracker', None)
    cfg.masa_adapter.fusion.update(torch_dcn=torch_dcn,
                                   cpu_kernel=cpu_kernel)
    model = MODELS.build(cfg)
    model.init_weights()
    randomise_offsets(model)
    return model.eval()


def build_reference(checkout: str) -> torch.nn.Module:
    """The public MASA-R50 model, built from its own config and files."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    scratch, _ = load_reference_modules(
        [osp.join(checkout, f) for f in REFERENCE_FILES], scope='masa_ref')
    cfg = Config.fromfile(osp.join(checkout, REFERENCE_CONFIG)).model
    cfg.pop('tracker', None)
    with DefaultScope.overwrite_default_scope('masa_ref'):
        model = scratch.build(cfg)
    return model.eval()


def ours_embed(model) -> Embed:
    """Our given-observation step: adapter features, then the track head."""

    def embed(img, boxes):
        feats = model.extract_feat(img)
        return model.track_head.predict(feats, [boxes])

    return embed


def reference_embed(model) -> Embed:
    """The public given-observation step (its ``MASA.predict`` with
    ``given_dets`` and its tracker's ``track_head.predict`` call)."""

    def embed(img, boxes):
        feats = model.masa_adapter(model.backbone.forward(img))
        return model.track_head.predict(feats, [boxes])

    return embed


def compare(embeds: Dict[str, Embed], frames: Sequence[Frame],
            repeats: int = 3) -> dict:
    """Embeddings and CPU time of several implementations on the same
    frames.

    Args:
        embeds (dict[str, callable]): Name -> ``f(img, boxes)`` returning
            (K, D) embeddings; the first is the baseline of the
            differences.
        frames (Sequence[tuple[Tensor, Tensor]]): Images and boxes.
        repeats (int): Timed passes over all frames.

    Returns:
        dict: ``max_abs_diff`` (name -> largest |embedding - baseline's|
        over all frames), ``scale`` (largest |embedding| of the baseline),
        ``cpu_s`` (name -> median over repeats of CPU seconds per frame),
        ``dcn_s`` (name -> CPU seconds per frame in deformable convs, one
        extra pass), ``dcn_share`` (name -> dcn_s / cpu_s).
    """
    names = list(embeds)
    diffs = {n: 0. for n in names}
    scale = 0.
    with torch.no_grad():
        for img, boxes in frames:  # untimed: equality, and warm-up
            outs = {n: embeds[n](img, boxes) for n in names}
            base = outs[names[0]]
            scale = max(scale, base.abs().max().item())
            for n in names:
                diffs[n] = max(diffs[n],
                               (outs[n] - base).abs().max().item())
        per_repeat = {n: [] for n in names}
        for _ in range(repeats):
            spent = {n: 0. for n in names}
            for i, (img, boxes) in enumerate(frames):
                k = (i + _) % len(names)
                for n in names[k:] + names[:k]:  # rotate who goes first
                    start = time.process_time()
                    embeds[n](img, boxes)
                    spent[n] += time.process_time() - start
            for n in names:
                per_repeat[n].append(spent[n] / len(frames))
        cpu_s = {n: statistics.median(v) for n, v in per_repeat.items()}
        dcn_s = {}
        for n in names:
            with dcn_timer() as total:
                for img, boxes in frames:
                    embeds[n](img, boxes)
            dcn_s[n] = total[0] / len(frames)
    return dict(max_abs_diff=diffs, scale=scale, cpu_s=cpu_s, dcn_s=dcn_s,
                dcn_share={n: dcn_s[n] / cpu_s[n] for n in names})


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope

    from qdtrack import register_all_modules
    MMLogger.get_instance('bench_masa_inference', log_level='WARNING')
    register_all_modules(init_default_scope=False)
    embeds, state = {}, None
    with DefaultScope.overwrite_default_scope('qdtrack'):
        for name, (torch_dcn, cpu_kernel) in OUR_DCNS.items():
            model = build_ours(args.config, torch_dcn, cpu_kernel)
            if state is None:
                state = model.state_dict()
            model.load_state_dict(state, strict=True)
            embeds[name] = ours_embed(model)
    if not args.no_reference:
        ref = build_reference(args.reference)
        ref.load_state_dict(state, strict=True)
        print('reference modules:',
              type(ref.masa_adapter[1]).__module__, '/',
              type(ref.track_head).__module__, '/',
              type(ref.track_head.roi_extractor.roi_layers[0]).__module__)
        embeds['public MASA'] = reference_embed(ref)
    pre = Config.fromfile(args.config).model.data_preprocessor
    frames = load_frames(args.seq, args.frames, pre.mean, pre.std,
                         args.size, pre.get('pad_size_divisor', 1))
    res = compare(embeds, frames, args.repeats)
    h, w = frames[0][0].shape[-2:]
    boxes = sum(len(b) for _, b in frames) / len(frames)
    print(f'{args.config} | {args.seq}: {len(frames)} frames, input '
          f'{w}x{h} (padded), {boxes:.1f} boxes/frame | {args.threads} '
          f'thread(s), {args.repeats} repeats')
    print(f"largest |embedding| {res['scale']:.4g}")
    first = next(iter(embeds))
    print(f"{'model':<16} {'max |diff|':>11} {'CPU s/frame':>12} "
          f"{'DCN s/frame':>12} {'DCN share':>10} {'time / ' + first:>14}")
    for n in embeds:
        print(f"{n:<16} {res['max_abs_diff'][n]:11.3g} "
              f"{res['cpu_s'][n]:12.3f} {res['dcn_s'][n]:12.3f} "
              f"{res['dcn_share'][n]:10.1%} "
              f"{res['cpu_s'][n] / res['cpu_s'][first]:14.2f}")


if __name__ == '__main__':
    main()
