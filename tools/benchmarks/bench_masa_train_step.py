"""CPU time of MASA training steps on real two-view batches.

    python tools/benchmarks/bench_masa_train_step.py [CONFIG]
        [--steps 4] [--threads 1] [--profile]
        [--cfg-options KEY=VALUE ...]

Builds the config's training dataset (default
``configs/masa/masa_toy_static.py``; its proposal file must exist), makes
``--steps`` batches of the config's batch size from the first items, then
runs ``model.train_step`` with the config's optimizer wrapper on each and
prints the process CPU seconds per step (CPU time, not wall time, so that
numbers taken on a loaded machine stay comparable) and the data pipeline's
CPU seconds per pair. ``--profile`` adds torch's operator table of one more
step. Compare variants with ``--cfg-options``, e.g.
``model.masa_adapter.fusion.num_blocks=3`` or
``model.masa_adapter.fusion=None``.
"""
import argparse
import os.path as osp
import random
import sys
import time

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from qdtrack import register_all_modules  # noqa: E402
from qdtrack.registry import DATASETS, MODELS  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'masa', 'masa_toy_static.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=CONFIG)
    parser.add_argument('--steps', type=int, default=4)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--profile', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'qdtrack'))
    torch.set_num_threads(args.threads)
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    size = cfg.train_dataloader.batch_size
    start = time.process_time()
    batches = [
        pseudo_collate([dataset[i * size + j] for j in range(size)])
        for i in range(args.steps + int(args.profile))
    ]
    data_cpu = (time.process_time() - start) / (len(batches) * size)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    print(f'{args.config}, {size} pairs per step, {args.threads} '
          f'thread(s); data pipeline {data_cpu:.2f} CPU s per pair')
    times = []
    for i, batch in enumerate(batches[:args.steps]):
        start = time.process_time()
        losses = model.train_step(batch, optim)
        times.append(time.process_time() - start)
        print(f'step {i}: {times[-1]:.2f} CPU s, loss '
              f'{float(losses["loss"]):.3f}')
    print(f'median {np.median(times):.2f} CPU s per step')
    if args.profile:
        with torch.autograd.profiler.profile() as prof:
            model.train_step(batches[-1], optim)
        print(prof.key_averages().table(sort_by='self_cpu_time_total',
                                        row_limit=15))


if __name__ == '__main__':
    main()
