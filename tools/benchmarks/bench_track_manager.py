"""Speed of our QuasiDenseTrackManager against mmdet 3.3's QuasiDenseTracker.

    python tools/benchmarks/bench_track_manager.py [--num-dets 100]
        [--num-frames-retain 30] [--frames 50] [--rounds 3] [--device cpu]
        [--match-method greedy] [--turnover 0.1] [--threads 1]

Both trackers run in the same process, with the MOT17 preset
(configs/_base_/trackers/qdtrack_mot17.py), on the same synthetic stream
(``--num-dets`` detections per frame, identities that persist and are
replaced at ``--turnover`` per frame, low-score detections that become
backdrops, ``--dim``-d embeddings). The memory is filled first
(``--num-frames-retain`` + 10 untimed frames, so that tracks that left the
scene have accumulated), then ``--frames`` steps are timed. mmdet's tracker
gets its embeddings from a stub track head returning the precomputed ones,
so only the track management is timed.

A step of ~1 ms made of ~100 small operations is sensitive to what ran
just before it (caches, branch predictors, the allocator), so the script
times three designs, ``--rounds`` times each with alternating order, and
prints the median ms per ``track`` step of both trackers and their ratio
for each: *alone* (each tracker runs the stream by itself), *after the
model* (the same, with a 32 MB allocate-and-fill before every step, as
the detector's forward pass would leave things) and *interleaved* (both
step on each frame in turn). It also prints how many frames gave
identical ids and the cost of the vectorised greedy matching against a
Python loop over detections on the same similarity matrices.
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from types import SimpleNamespace

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmdet.models.trackers import QuasiDenseTracker  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402

from qdtrack.models.trackers.matching import greedy_match  # noqa: E402
from qdtrack.models.trackers.mmdet_compat import (  # noqa: E402
    mmdet_tracker_kwargs,
)
from qdtrack.models.trackers.similarity import match_similarity  # noqa: E402
from qdtrack.registry import MODELS  # noqa: E402

PRESET = osp.join(ROOT, 'configs', '_base_', 'trackers', 'qdtrack_mot17.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-dets', type=int, default=100)
    parser.add_argument('--num-frames-retain', type=int, default=30)
    parser.add_argument('--frames', type=int, default=50,
                        help='timed frames')
    parser.add_argument('--rounds', type=int, default=3,
                        help='repetitions of each timing design')
    parser.add_argument('--dim', type=int, default=256)
    parser.add_argument('--turnover', type=float, default=0.1,
                        help='fraction of identities replaced per frame')
    parser.add_argument('--num-classes', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--match-method', default='greedy',
                        choices=['greedy', 'hungarian'])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch CPU threads (both trackers; the tensors are small, '
        'so more threads mostly add synchronisation)')
    return parser.parse_args()


def make_stream(args, num_frames):
    """Synthetic detections: a list of (bboxes, scores, labels, embeds).

    Each of the ``num_dets`` slots holds an object that moves at constant
    velocity and keeps its appearance (a random prototype plus noise) and
    its confidence level: 70% confident objects (score 0.85-1), 20% hard
    ones (0.5-0.85, continuing tracks but never starting one with the
    MOT17 thresholds) and 10% false positives (0.1-0.5, backdrops), with
    per-frame score noise. A fraction ``turnover`` of the slots gets a new
    object every frame, so lost tracks accumulate in the memory.
    """
    gen = torch.Generator().manual_seed(args.seed)
    n, dim = args.num_dets, args.dim

    def rand(*shape):
        return torch.rand(*shape, generator=gen)

    def new_objects(k):
        kind = rand(k)
        low = torch.where(kind < 0.7, 0.85, torch.where(kind < 0.9, 0.5, 0.1))
        high = torch.where(kind < 0.7, 0.97, torch.where(kind < 0.9, 0.85,
                                                          0.5))
        return dict(
            proto=torch.randn(k, dim, generator=gen) * 0.5,
            xy=rand(k, 2) * torch.tensor([1800., 900.]),
            vel=(rand(k, 2) - 0.5) * 6,
            wh=20 + rand(k, 2) * torch.tensor([40., 120.]),
            score=low + (high - low) * rand(k),
            label=torch.randint(0, args.num_classes, (k, ), generator=gen))

    objs = new_objects(n)
    frames = []
    for _ in range(num_frames):
        replace = rand(n) < args.turnover
        fresh = new_objects(int(replace.sum()))
        for key in objs:
            objs[key][replace] = fresh[key]
        objs['xy'] += objs['vel']
        bboxes = torch.cat([objs['xy'], objs['xy'] + objs['wh']], dim=1)
        # continuous scores in (0.08, 0.99): no ties
        scores = objs['score'] + 0.04 * (rand(n) - 0.5)
        embeds = objs['proto'] + 0.2 * torch.randn(n, dim, generator=gen)
        frames.append(
            tuple(
                x.to(args.device)
                for x in (bboxes, scores, objs['label'].clone(), embeds)))
    return frames


def mmdet_inputs(bboxes, scores, labels, embeds, frame_id):
    """Arguments of mmdet's ``track`` with a stub track head."""
    model = SimpleNamespace(
        track_head=SimpleNamespace(predict=lambda feats, rois: embeds))
    sample = DetDataSample(metainfo=dict(frame_id=frame_id))
    sample.pred_instances = InstanceData(
        bboxes=bboxes, scores=scores, labels=labels)
    return dict(
        model=model, img=None, feats=None, data_sample=sample, rescale=False)


def sync(device):
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def greedy_loop(sim, thr, takeable, can_take):
    """The public code's loop over detections, for comparison."""
    sim = sim.clone()
    cols = torch.full((sim.size(0), ), -1, dtype=torch.long)
    for i in range(sim.size(0)):
        conf, j = sim[i].max(dim=0)
        if conf > thr:
            cols[i] = j
            if takeable[j] and can_take[i]:
                sim[:, j] = float('-inf')
    return cols


def similarity_inputs(manager, bboxes, scores, labels, embeds):
    """Inputs of the greedy matching for this frame and current memory."""
    order = scores.argsort(descending=True)
    memo = torch.cat([manager.tracks['embeds'], manager.backdrops['embeds']])
    takeable = torch.arange(
        memo.size(0), device=memo.device) < manager.tracks['ids'].numel()
    return (match_similarity(embeds[order], memo), takeable,
            scores[order] > manager.obj_score_thr)


def pollute(buffer_mb=32):
    """Stand-in for the detector between two tracking steps.

    Allocates, fills and frees ``buffer_mb`` MB: the caches are evicted and
    the allocator is exercised, as by a forward pass of the model.
    """
    torch.empty(buffer_mb * 2**18).fill_(1.)


def timed_step(name, tracker, frame, frame_id, inputs):
    """One ``track`` call of ``name``'s tracker: ms and the ids it gave."""
    sync(frame[0].device)
    start = time.perf_counter()
    if name == 'ours':
        ids = tracker.track(*frame, frame_id=frame_id).ids
    else:
        ids = tracker.track(**inputs).instances_id
    sync(frame[0].device)
    return 1000 * (time.perf_counter() - start), ids


def run_blocked(name, tracker, frames, warmup, before=None):
    """Run one tracker over the whole stream; ms per timed step and ids."""
    tracker.reset()
    times, ids = [], []
    for frame_id, frame in enumerate(frames):
        inputs = mmdet_inputs(*frame, frame_id) if name == 'mmdet' else None
        if before is not None:
            before()
        ms, out = timed_step(name, tracker, frame, frame_id, inputs)
        if frame_id >= warmup:
            times.append(ms)
            ids.append(out.cpu())
    return times, ids


def run_interleaved(trackers, frames, warmup):
    """Both trackers step on each frame in turn (the order alternates)."""
    for tracker in trackers.values():
        tracker.reset()
    times = dict(ours=[], mmdet=[])
    for frame_id, frame in enumerate(frames):
        inputs = mmdet_inputs(*frame, frame_id)
        for name in (('ours', 'mmdet') if frame_id % 2 else
                     ('mmdet', 'ours')):
            ms, _ = timed_step(name, trackers[name], frame, frame_id, inputs)
            if frame_id >= warmup:
                times[name].append(ms)
    return times


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    warmup = args.num_frames_retain + 10
    frames = make_stream(args, warmup + args.frames)
    cfg = Config.fromfile(PRESET).mot17_tracker
    cfg.update(
        num_frames_retain=args.num_frames_retain,
        match_method=args.match_method)
    ours = MODELS.build(cfg)  # importing qdtrack.models registered it
    trackers = dict(
        ours=ours, mmdet=QuasiDenseTracker(**mmdet_tracker_kwargs(ours)))

    # memory size after the warm-up, and the frames for the matching timing
    sims = []
    for frame_id, frame in enumerate(frames):
        if frame_id == warmup:
            num_memory = (ours.tracks['ids'].numel(),
                          ours.backdrops['embeds'].size(0))
        if frame_id >= warmup and len(sims) < 10:
            sims.append(similarity_inputs(ours, *frame))
        ours.track(*frame, frame_id=frame_id)

    # Timing designs (each tracker always starts from an empty memory):
    # - alone: each tracker runs the whole stream by itself (rounds
    #   alternate), so each step follows the same tracker's previous step;
    # - after the model: the same, with a 32 MB allocate-and-fill before
    #   every step, as the detector's forward pass would do;
    # - interleaved: on each frame both trackers step, in alternating
    #   order; each step mostly follows the other tracker's, which favours
    #   the slower one (its predecessor is short and leaves little trace).
    times = {design: dict(ours=[], mmdet=[])
             for design in ('alone', 'after the model', 'interleaved')}
    same_ids = 0
    for round_id in range(args.rounds):
        order = ('ours', 'mmdet') if round_id % 2 == 0 else ('mmdet', 'ours')
        ids = {}
        for design, before in (('alone', None), ('after the model',
                                                 pollute)):
            for name in order:
                step_times, ids[design, name] = run_blocked(
                    name, trackers[name], frames, warmup, before)
                times[design][name] += step_times
        for name, step_times in run_interleaved(trackers, frames,
                                                warmup).items():
            times['interleaved'][name] += step_times
        if round_id == 0:
            same_ids = sum(
                int(torch.equal(a, b))
                for a, b in zip(ids['alone', 'ours'], ids['alone', 'mmdet']))

    print(f'device: {args.device} ({args.threads} CPU threads), '
          f'{args.num_dets} detections/frame, '
          f'num_frames_retain={args.num_frames_retain}, '
          f'memory after warm-up: {num_memory[0]} tracks + '
          f'{num_memory[1]} backdrops, '
          f'match_method={args.match_method}, {args.rounds} rounds of '
          f'{args.frames} timed frames')
    print(f'{"ms per track step (median)":<28}{"ours":>8}{"mmdet":>8}'
          f'{"mmdet / ours":>14}')
    for design, design_times in times.items():
        ours_ms = statistics.median(design_times['ours'])
        mmdet_ms = statistics.median(design_times['mmdet'])
        print(f'{design:<28}{ours_ms:8.3f}{mmdet_ms:8.3f}'
              f'{mmdet_ms / ours_ms:13.1f}x')
    print(f'identical ids on {same_ids}/{args.frames} timed frames')

    vec_time = loop_time = 0.
    for sim, takeable, can_take in sims:
        sync(args.device)
        start = time.perf_counter()
        cols, _ = greedy_match(sim, 0.5, takeable, can_take)
        sync(args.device)
        mid = time.perf_counter()
        ref_cols = greedy_loop(sim.cpu(), 0.5, takeable.cpu(),
                               can_take.cpu())
        loop_time += time.perf_counter() - mid
        vec_time += mid - start
        assert torch.equal(cols.cpu(), ref_cols)
    if sims:
        print(f'greedy matching alone: vectorised '
              f'{1000 * vec_time / len(sims):.3f} ms, loop over detections '
              f'{1000 * loop_time / len(sims):.3f} ms')


if __name__ == '__main__':
    main()
