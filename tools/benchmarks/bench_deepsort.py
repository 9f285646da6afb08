"""DeepSORT association: our DeepSORTTracker against mmdet 3.3's SORTTracker.

    python tools/benchmarks/bench_deepsort.py [--objects 50] [--frames 500]
        [--rounds 3] [--dim 128] [--seed 0]
        [--toy-config CONFIG --toy-cfg-options KEY=VALUE ... [--toy-only]]

Both trackers run in the same process on the same synthetic stream: boxes
and precomputed ReID embeddings (``--objects`` objects on screen, moving at
constant velocity with box noise, some missed for a frame or occluded for
3-15 frames, replaced when they leave; two false positives per frame).
Only association is timed:

- ours: :func:`qdtrack.models.mot.utils.associate` +
  :class:`~qdtrack.models.trackers.DeepSORTTracker` (what the DeepSORT
  model calls per frame, tensors in, ``InstanceData`` out);
- mmdet: ``mmdet.models.trackers.SORTTracker.track`` in its DeepSORT mode
  (``reid`` set) through a stand-in model whose ``motion`` is mmdet's
  ``KalmanFilter`` and whose ``reid`` returns the frame's precomputed
  embeddings. The tracker's ``crop_imgs`` is replaced by one returning an
  empty (N, 0) tensor and the image is a 1-pixel tensor, so cropping and
  the ReID forward pass cost nothing in either tracker.

Two settings are run. *aligned*: every setting the two algorithms share is
set equal (one embedding per track: our ``budget=1``, mmdet's
``num_samples=1``; cosine distance 0.2 = Euclidean distance sqrt(0.4)
between unit embeddings; IoU >= 0.3; tracks dropped after 30 missed
frames; 3 hits confirm). *defaults*: each tracker as configured for
MOT17 (ours: gallery of 100 embeddings, smallest cosine distance; mmdet:
Euclidean distance to the mean of the last 100 embeddings, threshold
2.0, IoU > 0.5, 100 frames retained).

What still differs (so ids need not agree everywhere, even aligned):
mmdet's appearance step matches all confirmed tracks in one Hungarian
assignment (no matching cascade by time since update) on unclipped
Euclidean distances (ours: cascade, costs above the threshold clipped as
in the reference); its IoU step compares a detection with the track's
last detection box (ours: the Kalman prediction); it outputs every
detection with an id, tentative tracks included (ours: confirmed tracks
matched in the frame). Agreement is therefore counted over the (frame,
detection) pairs that both output, as the share of those whose ids map
one-to-one (the best one-to-one renaming, Hungarian on the co-occurrence
counts). The same measure against the stream's true identities shows
how right each tracker is.

``--toy-config`` also times tools/test.py's DeepSORT on a toy config per
frame, split into crop cutting, the ReID forward pass and association.
"""
import argparse
import importlib.util
import os.path as osp
import statistics
import sys
import time
from types import SimpleNamespace

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmdet.models.task_modules.tracking import KalmanFilter  # noqa: E402
from mmdet.models.trackers import SORTTracker  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402

from qdtrack.models.mot.utils import associate  # noqa: E402
from qdtrack.models.trackers import DeepSORTTracker  # noqa: E402

SETTINGS = dict(
    aligned=dict(
        ours=dict(max_cosine_distance=0.2, budget=1, max_iou_distance=0.7,
                  max_age=30, n_init=3),
        mmdet=dict(reid=dict(num_samples=1, match_score_thr=0.4**0.5),
                   match_iou_thr=0.3, num_frames_retain=31,
                   num_tentatives=3)),
    defaults=dict(
        ours=dict(max_cosine_distance=0.2, budget=100, max_iou_distance=0.7,
                  max_age=30, n_init=3),
        mmdet=dict(reid=dict(num_samples=100, match_score_thr=2.0),
                   match_iou_thr=0.5, num_frames_retain=100,
                   num_tentatives=3)),
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--objects', type=int, default=50,
                   help='objects on screen in every frame')
    p.add_argument('--frames', type=int, default=500)
    p.add_argument('--rounds', type=int, default=3,
                   help='timed passes of each tracker (order alternates)')
    p.add_argument('--dim', type=int, default=128, help='embedding size')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1, help='torch threads')
    p.add_argument('--toy-config', help='also time tools/test.py on this '
                   'DeepSORT config, split into crop, ReID and association')
    p.add_argument('--toy-cfg-options', nargs='+', default=[],
                   help='--cfg-options for --toy-config')
    p.add_argument('--toy-only', action='store_true',
                   help='skip the synthetic stream (with --toy-config)')
    return p.parse_args(argv)


# ------------------------------------------------------------------ stream
def make_stream(num_objects=50, num_frames=500, dim=128, seed=0,
                miss=0.03, occlude=0.01, turnover=0.005, false_pos=2,
                noise=0.35):
    """Synthetic detections with true identities.

    Args:
        num_objects (int): Object slots; a slot's object is replaced by a
            new one with probability ``turnover`` per frame.
        num_frames (int): Frames.
        dim (int): Embedding size.
        seed (int): Random seed.
        miss (float): Probability that an object is not detected in a frame.
        occlude (float): Probability per frame that an object starts an
            occlusion of 3-15 frames (not detected).
        turnover (float): Replacement probability per slot and frame.
        false_pos (int): False positives per frame (random box and
            embedding, identity -1).
        noise (float): Embedding noise (norm relative to the prototype).

    Returns:
        list[dict]: per frame ``bboxes`` (N, 4) float32 tensor ``x1, y1,
        x2, y2`` in a 1920x1080 image, ``scores`` (N, ), ``labels`` (N, )
        zeros, ``embeds`` (N, dim) unit vectors and ``gt`` (N, ) int64
        identities (-1 for false positives).
    """
    rng = np.random.default_rng(seed)
    size = np.array([1920., 1080.])

    def unit(x):
        return x / np.linalg.norm(x, axis=-1, keepdims=True)

    def spawn(k):
        h = rng.uniform(60, 200, k)
        return dict(
            xy=rng.uniform(0, 1, (k, 2)) * (size - [100, 200]),
            vel=rng.uniform(-3, 3, (k, 2)),
            wh=np.stack([h * rng.uniform(0.3, 0.5, k), h], axis=1),
            proto=unit(rng.standard_normal((k, dim))),
            hidden=np.zeros(k, dtype=np.int64))

    objs = spawn(num_objects)
    ids = np.arange(num_objects)
    next_id = num_objects
    frames = []
    for _ in range(num_frames):
        new = rng.uniform(size=num_objects) < turnover
        fresh = spawn(int(new.sum()))
        for key in objs:
            objs[key][new] = fresh[key]
        ids[new] = np.arange(next_id, next_id + new.sum())
        next_id += int(new.sum())
        objs['xy'] += objs['vel']
        bounce = (objs['xy'] < 0) | (objs['xy'] + objs['wh'] > size)
        objs['vel'][bounce] *= -1
        objs['hidden'] = np.maximum(objs['hidden'] - 1, 0)
        start = rng.uniform(size=num_objects) < occlude
        objs['hidden'][start] = rng.integers(3, 16, int(start.sum()))
        seen = (objs['hidden'] == 0) & (rng.uniform(size=num_objects)
                                         >= miss)
        xy = objs['xy'][seen] + rng.normal(0, 1.0, (int(seen.sum()), 2))
        boxes = np.concatenate([xy, xy + objs['wh'][seen]], axis=1)
        embeds = unit(objs['proto'][seen] + noise * unit(
            rng.standard_normal((int(seen.sum()), dim))))
        gt = ids[seen]
        if false_pos:
            fxy = rng.uniform(0, 1, (false_pos, 2)) * (size - [100, 200])
            fwh = rng.uniform(30, 90, (false_pos, 2)) * [1, 2]
            boxes = np.concatenate([boxes, np.concatenate(
                [fxy, fxy + fwh], axis=1)])
            embeds = np.concatenate(
                [embeds, unit(rng.standard_normal((false_pos, dim)))])
            gt = np.concatenate([gt, np.full(false_pos, -1)])
        order = rng.permutation(len(gt))
        frames.append(dict(
            bboxes=torch.as_tensor(boxes[order], dtype=torch.float32),
            scores=torch.as_tensor(rng.uniform(0.5, 1.0, len(gt)),
                                   dtype=torch.float32),
            labels=torch.zeros(len(gt), dtype=torch.long),
            embeds=torch.as_tensor(embeds[order], dtype=torch.float32),
            gt=gt[order].astype(np.int64)))
    return frames


# ---------------------------------------------------------------- trackers
class PrecomputedReID:
    """Stand-in ReID model: returns the current frame's embeddings."""

    def __init__(self, dim: int) -> None:
        self.head = SimpleNamespace(out_channels=dim)
        self.embeds = None

    def __call__(self, crops, mode='tensor'):
        assert len(crops) == len(self.embeds)
        return self.embeds


def build_mmdet(settings: dict, dim: int):
    """mmdet's SORTTracker in DeepSORT mode and its stand-in model."""
    kw = dict(settings)
    reid = dict(img_scale=(256, 128), img_norm_cfg=None, **kw.pop('reid'))
    tracker = SORTTracker(motion=dict(type='KalmanFilter',
                                      center_only=False),
                          obj_score_thr=0.0, reid=reid, **kw)

    def free_crops(img, meta_info, bboxes, rescale=False):
        return bboxes.new_zeros((len(bboxes), 0))

    tracker.crop_imgs = free_crops  # cropping costs nothing
    model = SimpleNamespace(motion=KalmanFilter(center_only=False),
                            reid=PrecomputedReID(dim))
    return tracker, model


def mmdet_step(tracker, model, frame, frame_id, img):
    """One frame through mmdet's tracker: ids (N, ) of all detections."""
    sample = DetDataSample(metainfo=dict(frame_id=frame_id))
    sample.pred_instances = InstanceData(
        bboxes=frame['bboxes'], scores=frame['scores'],
        labels=frame['labels'])
    model.reid.embeds = frame['embeds']
    out = tracker.track(model=model, img=img, data_sample=sample)
    return out.instances_id.numpy()


def ours_step(tracker, frame, frame_id):
    """One frame through ours: ids of the detections output, -1 elsewhere."""
    out = associate(tracker, frame['bboxes'], frame['scores'],
                    frame['labels'], frame['embeds'], frame_id)
    return out


def ids_per_detection(frame, out) -> np.ndarray:
    """Our output's ids put back on the frame's detection rows (-1: none).

    Our tracker outputs the detection boxes themselves
    (``output='detection'``); every box of the stream is distinct.
    """
    ids = np.full(len(frame['bboxes']), -1, dtype=np.int64)
    if len(out.bboxes):
        same = (out.bboxes[:, None] == frame['bboxes'][None]).all(-1)
        rows = same.int().argmax(1).numpy()
        ids[rows] = out.instances_id.numpy()
    return ids


def run(name, tracker, frames, model=None):
    """One pass over the stream: ms per frame and ids per detection."""
    img = torch.zeros(1, 3, 1, 1)
    tracker.reset()
    times, ids = [], []
    for frame_id, frame in enumerate(frames):
        start = time.perf_counter()
        if name == 'ours':
            out = ours_step(tracker, frame, frame_id)
        else:
            out = mmdet_step(tracker, model, frame, frame_id, img)
        times.append(1000 * (time.perf_counter() - start))
        ids.append(ids_per_detection(frame, out) if name == 'ours' else out)
    return times, ids


# --------------------------------------------------------------- agreement
def id_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Share of assignments whose ids agree up to a one-to-one renaming.

    Args:
        a (np.ndarray): (K, ) ids given by one tracker.
        b (np.ndarray): (K, ) ids given to the same (frame, box) pairs by
            another tracker (or the true identities).

    Returns:
        float: the largest share of pairs kept by a one-to-one map from
        ``a``'s ids to ``b``'s (Hungarian on the co-occurrence counts);
        1.0 when ``a`` is a renaming of ``b``; nan for no pair.
    """
    a = np.asarray(a).reshape(-1)
    b = np.asarray(b).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f'id arrays differ in length: {a.shape} vs '
                         f'{b.shape}')
    if a.size == 0:
        return float('nan')
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    counts = np.zeros((len(ua), len(ub)), dtype=np.int64)
    np.add.at(counts, (ia, ib), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / a.size)


def compare(frames, ours_ids, mmdet_ids):
    """Agreement of ours with mmdet and of each with the true identities.

    Pairs: the (frame, detection) pairs our tracker outputs (mmdet's
    outputs every detection), false positives included.
    """
    ours = np.concatenate(ours_ids)
    theirs = np.concatenate(mmdet_ids)
    gt = np.concatenate([f['gt'] for f in frames])
    both = ours >= 0
    real = both & (gt >= 0)
    return dict(
        pairs=int(both.sum()),
        agreement=id_agreement(ours[both], theirs[both]),
        ours_vs_truth=id_agreement(ours[real], gt[real]),
        mmdet_vs_truth=id_agreement(theirs[real], gt[real]),
        mmdet_all_vs_truth=id_agreement(theirs[gt >= 0], gt[gt >= 0]))


def bench(frames, settings, rounds, dim):
    """Median ms/frame of each tracker over ``rounds`` alternating passes."""
    ours = DeepSORTTracker(output='detection', **settings['ours'])
    mmdet, model = build_mmdet(settings['mmdet'], dim)
    per_round = dict(ours=[], mmdet=[])
    ids = {}
    for r in range(rounds):
        order = ('ours', 'mmdet') if r % 2 == 0 else ('mmdet', 'ours')
        for name in order:
            times, ids[name] = run(name, ours if name == 'ours' else mmdet,
                                   frames, model)
            per_round[name].append(statistics.fmean(times))
    ms = {k: statistics.median(v) for k, v in per_round.items()}
    return ms, compare(frames, ids['ours'], ids['mmdet'])


# ------------------------------------------------------------ toy timing
def time_toy(config, cfg_options):
    """tools/test.py on a DeepSORT config, timed per stage."""
    import qdtrack.models.mot.deep_sort as ds

    spec = importlib.util.spec_from_file_location(
        'qdtrack_test_tool', osp.join(ROOT, 'tools', 'test.py'))
    test_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test_tool)
    totals = dict(crop=0.0, reid=0.0, association=0.0, predict=0.0)
    frames = [0]

    def timed(key, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            totals[key] += time.perf_counter() - start
            return out
        return wrapper

    saved = (ds.crop_boxes, ds.associate, ds.DeepSORT.predict)
    embed_crops = None
    try:
        ds.crop_boxes = timed('crop', ds.crop_boxes)
        ds.associate = timed('association', ds.associate)
        predict = saved[2]

        def counted_predict(self, inputs, data_samples, **kwargs):
            nonlocal embed_crops
            if self.reid is not None and embed_crops is None:
                embed_crops = self.reid.embed_crops
                self.reid.embed_crops = timed('reid', embed_crops)
            frames[0] += sum(len(s.video_data_samples) for s in data_samples)
            return predict(self, inputs, data_samples, **kwargs)

        ds.DeepSORT.predict = timed('predict', counted_predict)
        start = time.perf_counter()
        metrics = test_tool.main([config, '--cfg-options', *cfg_options])
        wall = time.perf_counter() - start
    finally:
        ds.crop_boxes, ds.associate, ds.DeepSORT.predict = saved
    n = max(frames[0], 1)
    per_frame = {k: 1000 * v / n for k, v in totals.items()}
    per_frame['rest of predict'] = per_frame['predict'] - sum(
        per_frame[k] for k in ('crop', 'reid', 'association'))
    per_frame['tools/test.py wall'] = 1000 * wall / n
    return n, per_frame, metrics


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    results = {}
    if args.toy_only and not args.toy_config:
        raise SystemExit('--toy-only needs --toy-config')
    frames = [] if args.toy_only else make_stream(
        args.objects, args.frames, args.dim, args.seed)
    if frames:
        dets = sum(len(f['gt']) for f in frames) / len(frames)
        print(f'stream: {args.frames} frames, {args.objects} objects, '
              f'{dets:.1f} detections per frame, {args.dim}-d embeddings; '
              f'association only (crops and ReID cost nothing)')
    for name, settings in SETTINGS.items() if frames else ():
        ms, agree = bench(frames, settings, args.rounds, args.dim)
        results[name] = dict(ms=ms, **agree)
        print(f'[{name}] ms/frame: ours {ms["ours"]:.3f}, mmdet '
              f'{ms["mmdet"]:.3f}, ratio {ms["mmdet"] / ms["ours"]:.1f}x')
        print(f'[{name}] id agreement with mmdet over {agree["pairs"]} '
              f'(frame, box) pairs we output: {agree["agreement"]:.4f}; '
              f'vs true identities: ours {agree["ours_vs_truth"]:.4f}, '
              f'mmdet on the same pairs {agree["mmdet_vs_truth"]:.4f} '
              f'(on all its pairs {agree["mmdet_all_vs_truth"]:.4f})')
    if args.toy_config:
        n, per_frame, _ = time_toy(args.toy_config, args.toy_cfg_options)
        print(f'[toy] tools/test.py {osp.basename(args.toy_config)}, {n} '
              'frames, ms/frame: ' + ', '.join(
                  f'{k} {v:.2f}' for k, v in per_frame.items()))
        results['toy'] = dict(frames=n, ms=per_frame)
    return results


if __name__ == '__main__':
    main()
