"""Training step time and peak memory of our QDTrack against mmdet 3.3's.

    python tools/benchmarks/bench_train_step.py [--config CONFIG]
        [--size 320 240] [--batch-size 2] [--iters 5] [--warmup 2]
        [--rounds 2] [--device cpu] [--threads N] [--lr 2e-4]
        [--cfg-options KEY=VALUE ...]

The batches are real key/reference frame pairs: a toy dataset (2 videos of
16 frames at ``--size``) goes through the config's training pipeline
(reference frame sampling, resize, photometric distortion, crop, flip; the
toy dataset config's pipeline when the config has no ``train_dataloader``,
e.g. the paper's model config) in the order of mmdet's ``TrackImgSampler``.
The batches and the initial weights (our model's, after checking that
mmdet's has the same state dict keys and shapes) are saved once, then every
implementation runs in a fresh Python process (``--rounds`` times, the order
alternating): load them, build the model and the config's optimizer wrapper
(its SGD and gradient clipping, with ``--lr``), and run ``--warmup`` +
``--iters`` ``model.train_step`` calls, seeding torch/numpy/random before
each so that both sample alike.

Reported per implementation: the median ms per iteration over the timed
iterations of all rounds, and the peak memory: on CPU the maximum resident
set size of the process (``getrusage``), in total and as growth over the
state before the first step (model, optimizer, batches and imports); on
CUDA ``torch.cuda.max_memory_allocated``. The losses of the first
iteration are printed too: on a config with one class they agree between
the two implementations (mmdet's QDTrack zeroes the class labels of the key
frames, which only matters with several classes).
"""
import argparse
import copy
import json
import logging
import os.path as osp
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from bench_inference import build_pair, load_model_cfg, mmdet_model_cfg  # noqa: E402

from qdtrack import register_all_modules  # noqa: E402
from qdtrack.datasets.toy import generate_toy_benchmark  # noqa: E402
from qdtrack.registry import DATASETS, MODELS  # noqa: E402

TOY_CONFIG = osp.join(ROOT, 'configs', 'qdtrack', 'qdtrack_faster-rcnn_toy.py')
TOY_DATASET = osp.join(ROOT, 'configs', '_base_', 'datasets', 'toy_mot.py')
DEFAULT_OPTIM = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
IMPLS = ('ours', 'mmdet')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=TOY_CONFIG,
                        help='config with a QDTrack `model`')
    parser.add_argument('--size', type=int, nargs=2, default=(320, 240),
                        metavar=('W', 'H'),
                        help='frame size, and the scale of the pipeline')
    parser.add_argument('--batch-size', type=int, default=2,
                        help='frame pairs per iteration')
    parser.add_argument('--iters', type=int, default=5,
                        help='timed iterations per round')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed iterations first')
    parser.add_argument('--rounds', type=int, default=2,
                        help='fresh processes per implementation')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--lr', type=float, default=2e-4,
                        help='learning rate (the start of the warmup)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    parser.add_argument('--child', choices=IMPLS, help=argparse.SUPPRESS)
    parser.add_argument('--state', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _set_scale(transforms, size):
    """Set the scale of resize and crop transforms to ``size`` (W, H)."""
    for t in transforms:
        if t.get('type') == 'TransformBroadcaster':
            _set_scale(t['transforms'], size)
        elif t.get('type') in ('RandomResize', 'Resize'):
            t['scale'] = tuple(size)
        elif t.get('type') == 'RandomCrop':
            # mmdet's RandomCrop takes (width, height), like Resize
            t['crop_size'] = tuple(size)


def make_batches(cfg, model_cfg, root, args):
    """Collated training batches of real key/reference frame pairs.

    Args:
        cfg (Config): The config (its ``train_dataloader`` if any).
        model_cfg (dict): Its model config (for the number of classes).
        root (str): Folder for the generated toy dataset.
        args (Namespace): Command-line arguments.

    Returns:
        list[dict]: ``warmup + iters`` batches of ``batch_size`` pairs.
    """
    from mmdet.datasets.samplers import TrackImgSampler
    width, height = args.size
    generate_toy_benchmark(root, seed=args.seed, num_train=2, num_val=0,
                           num_frames=16, width=width, height=height,
                           progress=False)
    loader = cfg.get('train_dataloader') or Config.fromfile(
        TOY_DATASET).train_dataloader
    dataset_cfg = copy.deepcopy(loader.dataset)
    dataset_cfg.data_root = root + '/'
    dataset_cfg.ann_file = 'annotations/train_cocoformat.json'
    num_classes = model_cfg.detector.roi_head.bbox_head.num_classes
    toy_classes = Config.fromfile(TOY_DATASET).classes
    dataset_cfg.metainfo = dict(classes=toy_classes[:num_classes])
    _set_scale(dataset_cfg.pipeline, args.size)
    dataset = DATASETS.build(dataset_cfg)
    order = list(TrackImgSampler(dataset, seed=args.seed))
    num = (args.warmup + args.iters) * args.batch_size
    order = (order * (num // len(order) + 1))[:num]
    seed_all(args.seed)
    return [
        pseudo_collate(
            [dataset[idx] for idx in order[i:i + args.batch_size]])
        for i in range(0, num, args.batch_size)
    ]


def optim_cfg(cfg, lr):
    optim = Config(
        dict(optim_wrapper=copy.deepcopy(
            cfg.get('optim_wrapper') or DEFAULT_OPTIM))).optim_wrapper
    optim.optimizer.lr = lr
    return optim


def sync(device):
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def max_rss_mb():
    """Peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args):
    """Train one implementation in this (fresh) process; print JSON."""
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    state = torch.load(args.state, weights_only=False)
    cfg, model_cfg = load_model_cfg(args.config, args.cfg_options)
    model_cfg.tracker = None
    if args.child == 'mmdet':
        model_cfg = mmdet_model_cfg(model_cfg)
    model = MODELS.build(model_cfg)
    model.load_state_dict(state['weights'], strict=True)
    model.to(args.device).train()
    optim_wrapper = build_optim_wrapper(model, optim_cfg(cfg, args.lr))
    batches = state['batches']
    del state
    sync(args.device)
    base_rss = max_rss_mb()
    if str(args.device).startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        base_cuda = torch.cuda.max_memory_allocated() / 2**20

    times, first_losses = [], None
    for i, batch in enumerate(batches):
        data = copy.deepcopy(batch)
        seed_all(args.seed + i)
        sync(args.device)
        start = time.perf_counter()
        log_vars = model.train_step(data, optim_wrapper)
        sync(args.device)
        if i >= args.warmup:
            times.append(1000 * (time.perf_counter() - start))
        if first_losses is None:
            first_losses = {k: float(v) for k, v in log_vars.items()}
    result = dict(
        impl=args.child,
        ms=times,
        base_rss_mb=base_rss,
        peak_rss_mb=max_rss_mb(),
        first_losses=first_losses,
        threads=torch.get_num_threads())
    if str(args.device).startswith('cuda'):
        result.update(
            base_cuda_mb=base_cuda,
            peak_cuda_mb=torch.cuda.max_memory_allocated() / 2**20)
    print('RESULT ' + json.dumps(result))


def run_child(impl, state, argv):
    cmd = [sys.executable, osp.abspath(__file__), *argv, '--child', impl,
           '--state', state]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-6000:])
        raise RuntimeError(f'the {impl} process failed')
    line = [x for x in proc.stdout.splitlines() if x.startswith('RESULT ')]
    return json.loads(line[-1][len('RESULT '):])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.child:
        child(args)
        return
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    register_all_modules()
    cfg, model_cfg = load_model_cfg(args.config, args.cfg_options)
    with tempfile.TemporaryDirectory() as tmp:
        ours, _ = build_pair(model_cfg, args.seed, with_tracker=False)
        state = osp.join(tmp, 'state.pth')
        torch.save(
            dict(
                weights=ours.state_dict(),
                batches=make_batches(cfg, model_cfg, osp.join(tmp, 'toy'),
                                     args)), state)
        del ours
        results = {impl: [] for impl in IMPLS}
        for rnd in range(args.rounds):
            order = IMPLS if rnd % 2 == 0 else IMPLS[::-1]
            for impl in order:
                results[impl].append(run_child(impl, state, argv))

    summary = {}
    for impl, runs in results.items():
        summary[impl] = dict(
            ms=statistics.median([t for r in runs for t in r['ms']]),
            peak=statistics.median([r['peak_rss_mb'] for r in runs]),
            growth=statistics.median(
                [r['peak_rss_mb'] - r['base_rss_mb'] for r in runs]))
        if 'peak_cuda_mb' in runs[0]:
            summary[impl]['cuda'] = statistics.median(
                [r['peak_cuda_mb'] for r in runs])
    ours, theirs = summary['ours'], summary['mmdet']
    width, height = args.size
    print(f'config: {osp.relpath(args.config, ROOT)}; {args.batch_size} '
          f'frame pairs per iteration at {width}x{height}; '
          f'{args.rounds} rounds x {args.iters} timed iterations (after '
          f'{args.warmup} warm-up) per implementation, each round in a '
          f'fresh process; device {args.device}, '
          f'{results["ours"][0]["threads"]} CPU threads')
    for impl in IMPLS:
        losses = results[impl][0]['first_losses']
        print(f'{impl:<6} first-iteration losses: ' + ', '.join(
            f'{k} {v:.4f}' for k, v in losses.items()))
        print(f'{impl:<6} ms per iteration, all rounds: ' + ' '.join(
            f'{t:.0f}' for r in results[impl] for t in r['ms']))
        print(f'{impl:<6} peak RSS per round (MiB): ' + ', '.join(
            f'{r["peak_rss_mb"]:.1f} '
            f'(+{r["peak_rss_mb"] - r["base_rss_mb"]:.1f})'
            for r in results[impl]))
    print(f'ours  (qdtrack.QDTrack): {ours["ms"]:9.1f} ms/iter, peak RSS '
          f'{ours["peak"]:7.1f} MiB (+{ours["growth"]:.1f} MiB in training)')
    print(f'mmdet (mmdet.QDTrack):   {theirs["ms"]:9.1f} ms/iter, peak RSS '
          f'{theirs["peak"]:7.1f} MiB (+{theirs["growth"]:.1f} MiB in '
          'training)')
    print(f'ratios ours / mmdet: time {ours["ms"] / theirs["ms"]:.3f}, '
          f'peak RSS {ours["peak"] / theirs["peak"]:.3f}, training growth '
          f'{ours["growth"] / max(theirs["growth"], 1e-9):.3f}')
    if 'cuda' in ours:
        print(f'peak CUDA memory: ours {ours["cuda"]:.1f} MiB, mmdet '
              f'{theirs["cuda"]:.1f} MiB, ratio '
              f'{ours["cuda"] / theirs["cuda"]:.3f}')


if __name__ == '__main__':
    main()
