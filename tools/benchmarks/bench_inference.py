"""Inference speed of our QDTrack against mmdet 3.3's QDTrack.

    python tools/benchmarks/bench_inference.py [--config CONFIG]
        [--size 1088 608] [--frames 8] [--repeats 3] [--device cpu]
        [--threads N] [--checkpoint CKPT] [--profile]
        [--fuse-conv-bn] [--channels-last] [--cfg-options KEY=VALUE ...]

Both models are built from the same config (default: the paper's R50-FPN,
``configs/_base_/models/qdtrack_faster-rcnn_r50_fpn.py``; the ImageNet
weights it points at are replaced by a random initialisation): ours from the
``qdtrack`` scope, mmdet's with the same settings in the ``mmdet`` scope
(``QDTrack``, ``QuasiDenseTrackHead``, ``QuasiDenseEmbedHead`` and
``QuasiDenseTracker`` of mmdet; modules only we have, e.g. the toy
backbone, are shared). Our state dict is loaded into mmdet's model after
checking that the key sets and shapes are identical.

The stream is a toy video of ``--frames`` frames rendered at ``--size``
(no resizing: the network input is the frame). Every pass starts at frame
0, which resets the trackers. A first, untimed pass of each model checks
that the detections are identical and counts the frames with identical
track ids. Then ``--repeats`` timed passes of each model alternate; the
median pass gives frames per second (``model.test_step`` under
``torch.no_grad()``: data preprocessor, detector, track head and track
manager). ``--fuse-conv-bn`` / ``--channels-last`` apply the inference
speed-ups of ``tools/test.py`` to our model only; the detections must then
agree within 0.01 (pixels, scores) instead of float32 tolerances. A last
pass of each, with timers around the stages, prints where
the time goes; ``--profile`` adds the functions with the largest own time
(cProfile) of each model.
"""
import argparse
import copy
import cProfile
import io
import logging
import os
import os.path as osp
import pstats
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager

import mmcv
import numpy as np
import torch
from mmdet import registry as mmdet_registry
from mmdet.datasets.transforms import PackTrackInputs
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.runner import load_checkpoint

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from qdtrack import register_all_modules  # noqa: E402
from qdtrack.datasets.toy import generate_toy_benchmark  # noqa: E402
from qdtrack.models.trackers.mmdet_compat import (  # noqa: E402
    mmdet_tracker_kwargs,
)
from qdtrack.models.utils import fuse_conv_bn, to_channels_last  # noqa: E402
from qdtrack.registry import MODELS  # noqa: E402

PAPER_CONFIG = osp.join(ROOT, 'configs', '_base_', 'models',
                        'qdtrack_faster-rcnn_r50_fpn.py')
# our class -> the mmdet class with the same arguments
MMDET_EQUIVALENTS = {'MarginL2Loss': 'L2Loss'}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=PAPER_CONFIG,
                        help='config with a QDTrack `model`')
    parser.add_argument('--size', type=int, nargs=2, default=(1088, 608),
                        metavar=('W', 'H'), help='frame (= input) size')
    parser.add_argument('--frames', type=int, default=8,
                        help='frames of the video stream')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed passes over the stream per model')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--checkpoint', help='weights for both models '
                        '(default: random initialisation)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--fuse-conv-bn', action='store_true',
                        help='ours only: fold BN into convs (as '
                        'tools/test.py --fuse-conv-bn)')
    parser.add_argument('--channels-last', action='store_true',
                        help='ours only: channels-last convs (as '
                        'tools/test.py --channels-last)')
    parser.add_argument('--profile', action='store_true',
                        help='print the top functions by own time')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def load_model_cfg(config, cfg_options=None):
    """The ``model`` of a config, without weights from the internet.

    Args:
        config (str): Config file.
        cfg_options (dict, optional): Overrides, as for ``tools/train.py``.

    Returns:
        tuple: (``Config`` of the file, its model config).
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = copy.deepcopy(cfg.model)
    backbone = model.detector.backbone
    init = backbone.get('init_cfg') or {}
    if '://' in str(init.get('checkpoint', '')) and \
            not str(init['checkpoint']).startswith('dsr://'):
        backbone.init_cfg = None
    return cfg, model


def _mmdet_types(cfg):
    """Rename the types of a config for the ``mmdet`` scope, in place."""
    if isinstance(cfg, dict):
        kind = cfg.get('type')
        if isinstance(kind, str) and '.' not in kind:
            if kind in MMDET_EQUIVALENTS:
                cfg['type'] = MMDET_EQUIVALENTS[kind]
            elif kind in MODELS.module_dict and \
                    mmdet_registry.MODELS.get(kind) is None:
                cfg['type'] = f'qdtrack.{kind}'
        for value in cfg.values():
            _mmdet_types(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            _mmdet_types(value)


def mmdet_model_cfg(model_cfg, tracker=None):
    """The config of mmdet's QDTrack with the settings of ours.

    Args:
        model_cfg (dict): Our model config.
        tracker (QuasiDenseTrackManager, optional): Our built track manager,
            whose settings mmdet's ``QuasiDenseTracker`` gets. Defaults to
            None (no tracker).

    Returns:
        dict: A config that ``qdtrack.registry.MODELS`` builds into
        ``mmdet.models.mot.QDTrack``.
    """
    cfg = copy.deepcopy(model_cfg)
    cfg.tracker = None
    _mmdet_types(cfg)
    if tracker is not None:
        cfg.tracker = dict(
            type='QuasiDenseTracker', **mmdet_tracker_kwargs(tracker))
    cfg['_scope_'] = 'mmdet'
    return cfg


def build_pair(model_cfg, seed=0, checkpoint=None, with_tracker=True):
    """Our QDTrack and mmdet's, with the same weights.

    Args:
        model_cfg (dict): Our model config.
        seed (int): Seed of the random initialisation.
        checkpoint (str, optional): Weights to load into ours first.
        with_tracker (bool): Build the trackers.

    Returns:
        tuple: (ours, mmdet's), both on the CPU.
    """
    model_cfg = copy.deepcopy(model_cfg)
    if not with_tracker:
        model_cfg.tracker = None
    torch.manual_seed(seed)
    np.random.seed(seed)
    ours = MODELS.build(model_cfg)
    ours.init_weights()
    if checkpoint:
        load_checkpoint(ours, checkpoint, map_location='cpu', strict=True)

    theirs = MODELS.build(
        mmdet_model_cfg(model_cfg, ours.tracker if with_tracker else None))
    assert type(theirs).__module__.startswith('mmdet.'), type(theirs)
    assert type(ours).__module__.startswith('qdtrack.'), type(ours)

    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    missing = sorted(set(ours_sd) ^ set(theirs_sd))
    assert not missing, f'state dict keys differ: {missing[:10]}'
    for key, value in ours_sd.items():
        assert value.shape == theirs_sd[key].shape, key
    theirs.load_state_dict(ours_sd, strict=True)
    return ours, theirs


def make_stream(width, height, num_frames, seed=0):
    """Packed frames of a rendered toy video (BGR, like LoadImageFromFile).

    Returns:
        list[dict]: One ``pseudo_collate``-d batch per frame, for
        ``model.test_step``.
    """
    with tempfile.TemporaryDirectory() as root:
        generate_toy_benchmark(root, seed=seed, num_train=0, num_val=1,
                               num_frames=num_frames, width=width,
                               height=height, progress=False)
        paths = sorted(
            osp.join(dirpath, name)
            for dirpath, _, names in os.walk(root)
            for name in names if name.endswith('.jpg'))
        imgs = [mmcv.imread(p) for p in paths]
    assert len(imgs) == num_frames, len(imgs)
    pack = PackTrackInputs()
    frames = []
    for frame_id, img in enumerate(imgs):
        assert img.shape[:2] == (height, width), img.shape
        results = dict(
            img=[img],
            img_id=[frame_id],
            img_path=[f'frame{frame_id:04d}.jpg'],
            ori_shape=[(height, width)],
            img_shape=[(height, width)],
            scale_factor=[(1., 1.)],
            frame_id=[frame_id],
            video_id=[0])
        frames.append(pseudo_collate([pack(results)]))
    return frames


def sync(device):
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def run_stream(model, frames, device):
    """One pass over the stream; returns (seconds, outputs per frame)."""
    batches = [copy.deepcopy(f) for f in frames]
    outputs = []
    sync(device)
    start = time.perf_counter()
    with torch.no_grad():
        for batch in batches:
            outputs.append(model.test_step(batch)[0][0])
    sync(device)
    return time.perf_counter() - start, outputs


def compare_outputs(ours, theirs, tol=None):
    """Assert identical detections; count frames with identical tracks.

    Args:
        ours, theirs (list): Outputs of the two models, one per frame.
        tol (float, optional): With the inference speed-ups on, the
            detections may differ by float rounding: assert that boxes
            (pixels) and scores agree within ``tol`` instead of the default
            float32 tolerances.

    Returns:
        tuple: (frames with identical ids and boxes, mean detections per
        frame, mean tracks per frame of ours).
    """
    same_tracks = 0
    close = {} if tol is None else dict(rtol=0, atol=tol)
    for frame_id, (a, b) in enumerate(zip(ours, theirs)):
        da, db = a.pred_instances, b.pred_instances
        assert len(da) == len(db), (frame_id, len(da), len(db))
        for key in ('bboxes', 'scores', 'labels'):
            torch.testing.assert_close(
                da[key], db[key], **(close if key != 'labels' else {}),
                msg=f'frame {frame_id}: {key} differ')
        ta, tb = a.pred_track_instances, b.pred_track_instances
        same_tracks += int(
            len(ta) == len(tb)
            and torch.equal(ta.instances_id.cpu(), tb.instances_id.cpu())
            and torch.allclose(ta.bboxes.cpu(), tb.bboxes.cpu()))
    num_dets = np.mean([len(o.pred_instances) for o in ours])
    num_tracks = np.mean([len(o.pred_track_instances) for o in ours])
    return same_tracks, num_dets, num_tracks


class StageTimer:
    """Exclusive wall time of wrapped methods (nested calls subtracted)."""

    def __init__(self, device):
        self.device = device
        self.times = {}
        self.stack = []

    def wrap(self, obj, method, name):
        func = getattr(obj, method)

        def timed(*args, **kwargs):
            sync(self.device)
            self.stack.append(0.)
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                sync(self.device)
                elapsed = time.perf_counter() - start
                child = self.stack.pop()
                self.times[name] = self.times.get(name, 0.) + elapsed - child
                if self.stack:
                    self.stack[-1] += elapsed

        setattr(obj, method, timed)
        return func

    @contextmanager
    def stages(self, model):
        """Time the stages of a QDTrack model inside the block."""
        wrapped = [
            (model, 'data_preprocessor', 'forward', 'data preprocessor'),
            (model.detector, None, 'extract_feat', 'backbone + neck'),
            (model.detector.rpn_head, None, 'predict', 'rpn_head.predict'),
            (model.detector.roi_head, None, 'predict', 'roi_head.predict'),
            (model.track_head, None, 'predict', 'track_head.predict'),
            (model.tracker, None, 'track', 'tracker.track'),
        ]
        originals = []
        for owner, child, method, name in wrapped:
            obj = getattr(owner, child) if child else owner
            originals.append((obj, method, self.wrap(obj, method, name)))
        try:
            yield self
        finally:
            for obj, method, _ in originals:
                # drop the instance attribute, back to the class method
                if method in vars(obj):
                    delattr(obj, method)


def stage_breakdown(model, frames, device):
    """ms per frame of each stage, and of the whole model call."""
    timer = StageTimer(device)
    with timer.stages(model):
        seconds, _ = run_stream(model, frames, device)
    per_frame = {k: 1000 * v / len(frames) for k, v in timer.times.items()}
    per_frame['rest (glue)'] = 1000 * seconds / len(frames) - sum(
        per_frame.values())
    per_frame['total'] = 1000 * seconds / len(frames)
    return per_frame


def profile_pass(model, frames, device, top=15):
    """cProfile of one pass: the functions with the largest own time."""
    prof = cProfile.Profile()
    prof.enable()
    run_stream(model, frames, device)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats('tottime').print_stats(top)
    return out.getvalue()


def main():
    args = parse_args()
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    _, model_cfg = load_model_cfg(args.config, args.cfg_options)
    ours, theirs = build_pair(model_cfg, args.seed, args.checkpoint)
    models = dict(ours=ours, mmdet=theirs)
    for model in models.values():
        model.to(args.device).eval()
    speedups = []
    if args.fuse_conv_bn:
        fuse_conv_bn(ours)
        speedups.append('fuse_conv_bn')
    if args.channels_last:
        to_channels_last(ours)
        speedups.append('channels_last')
    width, height = args.size
    frames = make_stream(width, height, args.frames, args.seed)

    # warm-up pass, and the detections must agree before timing
    outputs = {k: run_stream(m, frames, args.device)[1]
               for k, m in models.items()}
    same_tracks, num_dets, num_tracks = compare_outputs(
        outputs['ours'], outputs['mmdet'], tol=1e-2 if speedups else None)

    times = {k: [] for k in models}
    for rep in range(args.repeats):
        order = list(models) if rep % 2 == 0 else list(models)[::-1]
        for name in order:
            times[name].append(run_stream(models[name], frames,
                                          args.device)[0])
    fps = {k: args.frames / statistics.median(v) for k, v in times.items()}
    stages = {k: stage_breakdown(m, frames, args.device)
              for k, m in models.items()}

    print(f'config: {osp.relpath(args.config, ROOT)}; input {width}x'
          f'{height}; {args.frames} frames x {args.repeats} timed passes '
          f'(median); device {args.device}, {torch.get_num_threads()} '
          f'CPU threads; weights: {args.checkpoint or "random"}')
    print('ours with inference speed-ups: ' + (', '.join(speedups) or
                                                 'none'))
    print(f'detections {"within 0.01" if speedups else "identical"} on '
          f'all {args.frames} frames '
          f'({num_dets:.1f} per frame); identical track ids on '
          f'{same_tracks}/{args.frames} frames ({num_tracks:.1f} tracks per '
          'frame)')
    print('per pass (s): ' + '; '.join(
        f'{k} ' + ' '.join(f'{t:.2f}' for t in v) for k, v in times.items()))
    print(f'ours  (qdtrack.QDTrack): {fps["ours"]:8.3f} fps')
    print(f'mmdet (mmdet.QDTrack):   {fps["mmdet"]:8.3f} fps')
    print(f'ratio ours / mmdet: {fps["ours"] / fps["mmdet"]:.3f}x')
    print('\nms per frame by stage (one more pass each, exclusive times):')
    print(f'{"stage":<20}{"ours":>10}{"mmdet":>10}')
    for stage in stages['ours']:
        print(f'{stage:<20}{stages["ours"][stage]:10.2f}'
              f'{stages["mmdet"].get(stage, float("nan")):10.2f}')
    if args.profile:
        for name, model in models.items():
            print(f'\ncProfile of one pass of {name}, top own time:')
            print(profile_pass(model, frames, args.device))


if __name__ == '__main__':
    main()
