"""Our MASA TAO track manager against the public ``MasaTaoTracker``.

    python tools/benchmarks/compare_masa_tao_tracker.py REFERENCE_FILE
        [--max-distance 30] [--fps 30] [--frames 300] [--seed 0]

REFERENCE_FILE is ``masa/models/tracker/masa_tao_tracker.py`` of a checkout
of the public MASA code (siyuanliii/masa; it imports only mmdet). Both
trackers run on one synthetic stream: 12 objects moving on a 640 x 480
image (random walks, each visible with probability 0.85, one in fifty
jumping to a random place per frame), 3 false positives per frame with
random embeddings, an embedding per object (a random vector plus noise
0.3), distinct random scores. Ours is the ``masa_tao_tracker`` preset of
``configs/_base_/trackers/masa.py`` with ``--max-distance`` and ``--fps``;
the reference gets the same values and embeds boxes by a stand-in model
that returns the stream's embeddings. Prints how many frames give the
same (box, id) pairs, and how many ids the prior changed (ours with the
prior off, on the same stream).
"""
import argparse
import os.path as osp
import sys
import types

import torch
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from bench_deform_fusion import load_reference  # noqa: E402

from qdtrack.models.trackers import QuasiDenseTrackManager  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('reference', help='the public masa_tao_tracker.py')
    parser.add_argument('--max-distance', type=float, default=30.)
    parser.add_argument('--fps', type=float, default=30.)
    parser.add_argument('--frames', type=int, default=300)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def make_stream(num_frames, seed, num_objects=12, dim=16):
    """Frames of (boxes (N, 4), scores (N, ), embeds (N, dim))."""
    g = torch.Generator().manual_seed(seed)
    size = torch.tensor([640., 480.])
    centre = torch.rand(num_objects, 2, generator=g) * size
    wh = 30 + 50 * torch.rand(num_objects, 2, generator=g)
    identity = torch.randn(num_objects, dim, generator=g)
    frames = []
    for _ in range(num_frames):
        centre = centre + 4 * torch.randn(num_objects, 2, generator=g)
        jump = torch.rand(num_objects, generator=g) < 0.02
        centre[jump] = torch.rand(int(jump.sum()), 2, generator=g) * size
        centre = centre.clamp(torch.zeros(2), size)
        seen = torch.rand(num_objects, generator=g) < 0.85
        c = torch.cat([centre[seen], torch.rand(3, 2, generator=g) * size])
        s = torch.cat([wh[seen], 30 + 50 * torch.rand(3, 2, generator=g)])
        embeds = torch.cat([identity[seen], torch.randn(3, dim,
                                                        generator=g)])
        embeds = embeds + 0.3 * torch.randn(embeds.shape, generator=g)
        boxes = torch.cat([c - s / 2, c + s / 2], dim=1)
        scores = torch.rand(len(boxes), generator=g)
        frames.append((boxes, scores, embeds))
    return frames


def run_reference(tracker_cls, frames, max_distance, fps):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    tracker = tracker_cls(
        init_score_thr=0.0001, obj_score_thr=0.0001, match_score_thr=0.5,
        memo_tracklet_frames=10, memo_momentum=0.8, with_cats=False,
        max_distance=max_distance, fps=fps)
    model = types.SimpleNamespace(track_head=types.SimpleNamespace(
        predict=lambda feats, boxes: feats))
    results = []
    for frame_id, (boxes, scores, embeds) in enumerate(frames):
        sample = DetDataSample(metainfo=dict(frame_id=frame_id))
        sample.pred_instances = InstanceData(
            bboxes=boxes.clone(), scores=scores.clone(),
            labels=torch.zeros(len(boxes), dtype=torch.long))
        out = tracker.track(model, None, embeds.clone(), sample,
                            rescale=False)
        results.append(pairs(out.bboxes, out.instances_id))
    return results


def run_ours(frames, max_distance, fps):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/trackers/masa.py'))
    kwargs = dict(cfg.masa_tao_tracker, max_distance=max_distance, fps=fps)
    kwargs.pop('type')
    manager = QuasiDenseTrackManager(**kwargs)
    results = []
    for frame_id, (boxes, scores, embeds) in enumerate(frames):
        out = manager.track(boxes, scores,
                            torch.zeros(len(boxes), dtype=torch.long),
                            embeds, frame_id)
        results.append(pairs(out.bboxes, out.ids))
    return results


def pairs(boxes, ids):
    return sorted((tuple(b.tolist()), int(i)) for b, i in zip(boxes, ids))


def main(argv=None):
    args = parse_args(argv)
    tracker_cls = load_reference(args.reference, 'MasaTaoTracker')
    frames = make_stream(args.frames, args.seed)
    ref = run_reference(tracker_cls, frames, args.max_distance, args.fps)
    ours = run_ours(frames, args.max_distance, args.fps)
    same = sum(a == b for a, b in zip(ref, ours))
    off = run_ours(frames, -1, args.fps)
    changed = sum(len(set(a) - set(b)) for a, b in zip(ours, off))
    tracked = sum(len(a) for a in ours)
    print(f'max_distance {args.max_distance}, fps {args.fps}: '
          f'{same} / {len(frames)} frames identical to the reference '
          f'({tracked} tracked boxes, '
          f'{max((i for f in ours for _, i in f), default=-1) + 1} ids); '
          f'the prior changed {changed} (box, id) pairs vs. no prior')
    return same, len(frames), changed


if __name__ == '__main__':
    main()
