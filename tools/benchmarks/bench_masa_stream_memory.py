"""Memory of MASA given-observation tracking over a long stream.

    python tools/benchmarks/bench_masa_stream_memory.py [--frames 10000]
        [--every 1000] [--size 64 48] [--objects 8] [--lifetime 300]
        [--config configs/masa/masa_toy_given-obs.py] [--checkpoint CKPT]
        [--threads 1] [--seed 0] [--mode {model,tracker}]
        [--cfg-options KEY=VALUE ...]

A synthetic stream of ``--frames`` small frames (``--size`` W H): a noisy
grey background with ``--objects`` coloured, striped rectangles that move
and bounce; each object is replaced by a new one (new colour, new identity)
after about ``--lifetime`` frames, so the tracker keeps creating tracks and
must also forget them. The boxes (the given observations, ``x1, y1, x2,
y2, score``) are simulated up front; frames are rendered one at a time and
go through
:func:`qdtrack.apis.track_video` with the MASA given-observation config
(the test pipeline resized to ``--size``, so the adapter runs at the
stream's resolution): the path ``tools/demo.py`` and users take. Without
``--checkpoint`` the model keeps its random weights (memory does not
depend on them).

``--mode tracker`` leaves the network out: the config's track manager
(the MASA preset) gets the stream's boxes with embeddings made from the
identities (a random unit vector per identity plus noise, ``--embed-dim``),
so 10,000 frames take seconds; the whole-model mode shows that the
network side keeps nothing between frames either.

Every ``--every`` frames it prints the resident set size (``VmRSS``), the
peak so far (``getrusage`` ``ru_maxrss``), the tracks and backdrops held by
the track manager, the number of distinct track ids so far and the ms per
frame since the last checkpoint. Flat memory means the RSS and the track
count at the last checkpoint are those of the first, while the ids keep
growing. The script exits with status 1 if the RSS grew by more than
``--max-growth-mb`` between the first and the last checkpoint.
"""
import argparse
import os.path as osp
import resource
import sys
import time

import numpy as np
import torch
from mmengine.config import DictAction

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from qdtrack.apis import init_tracker, track_video  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'masa', 'masa_toy_given-obs.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=10000)
    parser.add_argument('--every', type=int, default=1000)
    parser.add_argument('--size', type=int, nargs=2, default=[64, 48],
                        metavar=('W', 'H'))
    parser.add_argument('--objects', type=int, default=8)
    parser.add_argument('--lifetime', type=int, default=300)
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--checkpoint')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--max-growth-mb', type=float, default=20.0)
    parser.add_argument('--mode', choices=['model', 'tracker'],
                        default='model')
    parser.add_argument('--embed-dim', type=int, default=128)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides (model mode)')
    return parser.parse_args()


class SyntheticStream:
    """Moving textured rectangles.

    The trajectories (boxes (F, K, 5) and colours) are simulated up front
    (a few MB for 10,000 frames, allocated before the first measurement);
    frames are rendered one at a time.

    Args:
        size (tuple[int, int]): Frame (W, H).
        num_frames (int): Frames of the stream.
        objects (int): Objects in every frame.
        lifetime (int): Mean frames before an object is replaced.
        seed (int): Random seed.
    """

    def __init__(self, size, num_frames, objects, lifetime, seed):
        self.w, self.h = size
        self.rng = np.random.default_rng(seed)
        self.lifetime = lifetime
        self.background = self.rng.integers(
            90, 140, (self.h, self.w, 3), dtype=np.uint8)
        self.boxes = np.zeros((num_frames, objects, 5), np.float32)
        self.colours = np.zeros((num_frames, objects, 2, 3), np.uint8)
        self.identities = np.zeros((num_frames, objects), np.int64)
        self.num_identities = 0
        objs = [self._new() for _ in range(objects)]
        for index in range(num_frames):
            for k, obj in enumerate(objs):
                obj['left'] -= 1
                if obj['left'] <= 0:
                    obj = objs[k] = self._new()
                self._move(obj)
                x, y = int(obj['x']), int(obj['y'])
                self.boxes[index, k] = (x, y, x + obj['w'], y + obj['h'],
                                        0.9)
                self.colours[index, k] = obj['colours']
                self.identities[index, k] = obj['identity']

    def _new(self):
        rng = self.rng
        self.num_identities += 1
        bw = int(rng.integers(self.w // 16, self.w // 6))
        bh = int(rng.integers(self.h // 6, self.h // 3))
        return dict(
            x=float(rng.uniform(0, self.w - bw)),
            y=float(rng.uniform(0, self.h - bh)),
            vx=float(rng.uniform(-1.5, 1.5)),
            vy=float(rng.uniform(-1.0, 1.0)),
            w=bw, h=bh,
            colours=rng.integers(0, 256, (2, 3), dtype=np.uint8),
            identity=self.num_identities - 1,
            left=int(rng.integers(self.lifetime // 2,
                                  self.lifetime * 3 // 2)))

    def _move(self, obj):
        obj['x'] += obj['vx']
        obj['y'] += obj['vy']
        if not 0 <= obj['x'] <= self.w - obj['w']:
            obj['vx'] = -obj['vx']
            obj['x'] = min(max(obj['x'], 0), self.w - obj['w'])
        if not 0 <= obj['y'] <= self.h - obj['h']:
            obj['vy'] = -obj['vy']
            obj['y'] = min(max(obj['y'], 0), self.h - obj['h'])

    def detections(self):
        """Frame index -> (K, 5) boxes (views of one array)."""
        return {i: boxes for i, boxes in enumerate(self.boxes)}

    def frames(self):
        """Yield the frames (H, W, 3) uint8 BGR, one at a time."""
        for boxes, colours in zip(self.boxes, self.colours):
            img = self.background.copy()
            for (x1, y1, x2, y2, _), (fill, stripe) in zip(
                    boxes.astype(int), colours):
                patch = img[y1:y2, x1:x2]
                patch[:] = fill
                patch[::4] = stripe  # stripes: some texture
            yield img


def build_tracker(config):
    """The track manager of a config (its MASA preset)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from qdtrack import register_all_modules
    from qdtrack.registry import MODELS
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'qdtrack'))
    return MODELS.build(cfg.model.tracker)


def track_embeddings(tracker, stream, dim, seed):
    """Track the stream's boxes with embeddings instead of images.

    Each identity has a random unit vector; a box's embedding is its
    identity's vector plus Gaussian noise (sigma 0.02 per dimension), made
    frame by frame. Yields the track ids (K, ) of every frame.
    """
    gen = torch.Generator().manual_seed(seed)
    centres = torch.nn.functional.normalize(
        torch.randn(stream.num_identities, dim, generator=gen), dim=1)
    tracker.reset()
    for index, (boxes, identity) in enumerate(
            zip(stream.boxes, stream.identities)):
        boxes = torch.from_numpy(boxes)
        embeds = centres[torch.from_numpy(identity)]
        embeds = embeds + 0.02 * torch.randn(embeds.shape, generator=gen)
        out = tracker.track(
            bboxes=boxes[:, :4], scores=boxes[:, 4],
            labels=torch.zeros(len(boxes), dtype=torch.long),
            embeds=embeds, frame_id=index)
        yield out.ids.numpy()


def rss_mb():
    """Current resident set size in MiB (Linux ``/proc``)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def peak_mb():
    """Peak resident set size so far in MiB (``ru_maxrss`` is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    w, h = args.size
    options = {
        'test_dataloader.dataset.pipeline.0.transforms.1.scale': (w, h)}
    stream = SyntheticStream((w, h), args.frames, args.objects,
                             args.lifetime, args.seed)
    if args.mode == 'model':
        options = {
            'test_dataloader.dataset.pipeline.0.transforms.1.scale': (w, h),
            **(args.cfg_options or {})}
        model = init_tracker(args.config, args.checkpoint,
                             cfg_options=options,
                             random_weights=args.checkpoint is None)
        tracker = model.tracker
        results = (r.ids for r in track_video(model, stream.frames(),
                                               stream.detections()))
        what = 'MASA given observations (whole model)'
    else:
        tracker = build_tracker(args.config)
        results = track_embeddings(tracker, stream, args.embed_dim,
                                   args.seed)
        what = 'MASA track manager (identity embeddings + noise)'
    print(f'{what}, {args.frames} frames of {w}x{h}, {args.objects} objects '
          f'(replaced every ~{args.lifetime} frames), memory '
          f'{tracker.num_frames_retain} frames, {args.threads} thread(s)')
    print(f'{"frame":>6} {"RSS MiB":>8} {"peak MiB":>9} {"tracks":>7} '
          f'{"backdrops":>9} {"ids":>6} {"ms/frame":>9}')
    ids = set()
    rows = []
    start = time.perf_counter()
    for n, frame_ids in enumerate(results, 1):
        ids.update(frame_ids.tolist())
        if n % args.every == 0 or n == args.frames:
            now = time.perf_counter()
            tracks = tracker.tracks
            backdrops = tracker.backdrops
            row = (n, rss_mb(), peak_mb(),
                   0 if tracks is None else len(tracks['ids']),
                   0 if backdrops is None else len(backdrops['embeds']),
                   len(ids), (now - start) * 1000 / args.every)
            rows.append(row)
            print('{:6d} {:8.1f} {:9.1f} {:7d} {:9d} {:6d} {:9.1f}'.format(
                *row), flush=True)
            start = now
    growth = rows[-1][1] - rows[0][1]
    print(f'RSS growth from frame {rows[0][0]} to {rows[-1][0]}: '
          f'{growth:+.1f} MiB (peak {rows[-1][2] - rows[0][2]:+.1f} MiB)')
    if growth > args.max_growth_mb:
        print(f'memory grew by more than {args.max_growth_mb} MiB')
        sys.exit(1)


if __name__ == '__main__':
    main()
