"""Generate the toy video benchmark (MOT17 layout + CocoVID JSON).

Everything is derived from one integer seed: sequence ``TOY-<k>`` uses the
seed sequence ``(seed, k)``, so a sequence does not change when the number
of other sequences changes, and two runs with the same arguments write
identical bytes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from tqdm import tqdm

from qdtrack.utils.io import atomic_write_bytes, atomic_write_text

from .background import LANE_DEPTHS, make_background, panel_rect
from .camera import Camera
from .detections import detect_frame
from .render import (
    OBJECT,
    REFLECTION,
    STATUE,
    compose,
    object_layer,
    reflection_layer,
)
from .scene import FPS, SceneSimulator
from .shapes import BICYCLE, CAR, PEDESTRIAN
from .writer import (
    encode_jpeg,
    format_det_rows,
    format_gt_rows,
    format_json,
    format_seqinfo,
)

#: CocoVID categories of the toy benchmark.
CATEGORIES = ({'id': PEDESTRIAN, 'name': 'pedestrian'},
              {'id': CAR, 'name': 'car'},
              {'id': BICYCLE, 'name': 'bicycle'})
#: MOT17 class of each toy category in ``gt.txt``.
MOT_CLASS = {PEDESTRIAN: 1, CAR: 3, BICYCLE: 4}
#: MOT17 classes of the distractor rows.
MOT_STATIC_PERSON, MOT_REFLECTION = 7, 12
#: Objects less visible than this get no CocoVID annotation, and such
#: pedestrians get consider=0 in ``gt.txt``.
MIN_VISIBILITY = 0.1
#: Bound of the camera shake (pixels at 240 rows; scales with the height).
SHAKE_AT_240 = 4
#: Standard deviation of the per-frame sensor noise (grey levels).
SENSOR_NOISE = 3.0
#: Occluded fraction from which a pedestrian counts as occluded.
OCCLUSION_EVENT = 0.5


@dataclass
class SequenceData:
    """Everything written for one sequence, kept for the JSON and stats."""

    name: str
    num_frames: int
    width: int
    height: int
    # per frame: list of (kind, uid, category, clipped box, stats)
    frames: list = field(default_factory=list)
    lookalikes: set = field(default_factory=set)


def _seq_names(num_train: int, num_val: int) -> dict:
    names = [f'TOY-{k:02d}' for k in range(1, num_train + num_val + 1)]
    return {'train': names[:num_train], 'val': names[num_train:]}


def _check_target(root: Path, names: dict, num_frames: int,
                  overwrite: bool = True) -> None:
    """Refuse to mix with other content under ``root``.

    Stale sequences or frames from an earlier, larger generation would
    otherwise silently join the benchmark. Without ``overwrite``, any
    existing file or sequence folder the generator would write is refused
    too (e.g. a user's own ``annotations/train_cocoformat.json``).
    """
    if not overwrite:
        targets = [root / 'annotations' / f'{split}_cocoformat.json'
                   for split, seqs in names.items() if seqs]
        targets += [root / split / seq for split, seqs in names.items()
                    for seq in seqs]
        existing = [str(p) for p in targets if p.exists()]
        if existing:
            shown = ', '.join(existing[:3]) + (
                f' and {len(existing) - 3} more' if len(existing) > 3 else '')
            raise FileExistsError(
                f'{root}: would overwrite {shown}; choose an empty folder or '
                'pass --overwrite (overwrite=True)')
    frames = {f'{t:06d}.jpg' for t in range(1, num_frames + 1)}
    for split, seqs in names.items():
        split_dir = root / split
        if not split_dir.is_dir():
            continue
        for entry in sorted(os.listdir(split_dir)):
            if entry not in seqs:
                raise FileExistsError(
                    f'{split_dir / entry}: not part of the toy benchmark '
                    f'being generated ({split}: {", ".join(seqs) or "none"})'
                    '; generate into an empty folder or remove it')
            img_dir = split_dir / entry / 'img1'
            if img_dir.is_dir():
                extra = sorted(set(os.listdir(img_dir)) - frames)
                if extra:
                    raise FileExistsError(
                        f'{img_dir / extra[0]}: frame not part of the toy '
                        f'benchmark being generated ({num_frames} frames); '
                        'generate into an empty folder or remove it')


def _render_sequence(seed: int, index: int, name: str, seq_dir: Path,
                     num_frames: int, width: int, height: int,
                     pbar) -> tuple:
    """Simulate, render and write the images of one sequence.

    Returns:
        tuple[SequenceData, list]: The per-frame layer statistics and the
        det.txt rows.
    """
    r_scene, r_bg, r_noise, r_det = (
        np.random.default_rng(s)
        for s in np.random.SeedSequence([seed, index]).spawn(4))
    camera = Camera.create(width, height, r_scene.uniform(0.55, 0.62))
    side = -1 if r_scene.random() < 0.5 else 1
    panel = panel_rect(camera, side)
    mirror_x = panel[2] if side < 0 else panel[0]
    max_shake = max(1, int(round(SHAKE_AT_240 * height / 240)))
    sim = SceneSimulator(r_scene, camera, int(r_scene.integers(7, 11)),
                         max_shake)
    track = sim.run(num_frames)
    bg = make_background(r_bg, camera, max_shake, panel)
    data = SequenceData(name, num_frames, width, height)
    data.lookalikes = {a.uid for a in track.agents if a.lookalike_of >= 0}
    dets = []
    for t, states in enumerate(track.frames):
        dx, dy = (int(v) for v in track.shake[t])
        m = max_shake
        canvas = bg[m - dy:m - dy + height, m - dx:m - dx + width].copy()
        ordered = sorted([(s, OBJECT) for s in states] +
                         [(track.statue, STATUE)],
                         key=lambda p: (-p[0].z, p[0].uid))
        layers = [object_layer(s, (dx, dy), kind) for s, kind in ordered]
        shaken = (panel[0] + dx, panel[1] + dy, panel[2] + dx, panel[3] + dy)
        reflections = []
        for (state, _), layer in zip(ordered, layers):
            # the window stands on the near pavement: it mirrors the
            # pedestrians walking in front of the road
            if layer.kind == OBJECT and layer.category == PEDESTRIAN and \
                    state.z < LANE_DEPTHS[0]:
                r = reflection_layer(layer, mirror_x + dx, shaken)
                if r is not None:
                    reflections.append(r)
        stats = compose(canvas, reflections + layers)
        noise = r_noise.normal(0.0, SENSOR_NOISE, canvas.shape)
        img = np.clip(canvas + noise, 0, 255).round().astype(np.uint8)
        atomic_write_bytes(seq_dir / 'img1' / f'{t + 1:06d}.jpg',
                           encode_jpeg(img))
        data.frames.append(stats)
        peds = [(st.clipped, st.visibility) for st in stats
                if st.layer.kind == OBJECT and
                st.layer.category == PEDESTRIAN and st.visible > 0]
        statue = [(st.clipped, st.visibility) for st in stats
                  if st.layer.kind == STATUE and st.visible > 0]
        for det in detect_frame(r_det, camera, peds,
                                statue[0] if statue else None, (dx, dy)):
            dets.append((t + 1,) + det)
        pbar.update(1)
    return data, dets


def _annotated(st) -> bool:
    """Whether a layer gets a CocoVID annotation in this frame."""
    return st.layer.kind == OBJECT and st.visibility >= MIN_VISIBILITY \
        and st.clipped[2] > 0 and st.clipped[3] > 0


def _local_ids(data: SequenceData) -> tuple:
    """1-based ids of the gt.txt rows of a sequence.

    Annotated objects come first (by first frame in the image, then uid),
    so their ids are 1..n; then objects that are never visible enough to
    be annotated, then the statue, then the reflections.

    Returns:
        tuple[dict, int]: ``(kind, uid) -> id`` and n, the number of
        annotated objects.
    """
    first, annotated = {}, set()
    for t, stats in enumerate(data.frames):
        for st in stats:
            key = (st.layer.kind, st.layer.uid)
            if st.clipped[2] > 0 and st.clipped[3] > 0 and (
                    st.layer.kind != REFLECTION or st.visible > 0):
                first.setdefault(key, (t, st.layer.uid))
            if _annotated(st):
                annotated.add(key)
    order = {OBJECT: 0, STATUE: 2, REFLECTION: 3}
    keys = sorted(first, key=lambda k: (
        order[k[0]] + (k[0] == OBJECT and k not in annotated), first[k]))
    return {k: i + 1 for i, k in enumerate(keys)}, len(annotated)


def _gt_rows(data: SequenceData, ids: dict) -> list:
    rows = []
    for t, stats in enumerate(data.frames):
        for st in stats:
            key = (st.layer.kind, st.layer.uid)
            if key not in ids or st.clipped[2] <= 0 or st.clipped[3] <= 0:
                continue
            if st.layer.kind == REFLECTION and st.visible == 0:
                continue
            vis = round(st.visibility, 4)
            if st.layer.kind == OBJECT:
                cat = st.layer.category
                consider = int(cat == PEDESTRIAN and vis >= MIN_VISIBILITY)
                cls = MOT_CLASS[cat]
            else:
                consider = 0
                cls = MOT_STATIC_PERSON if st.layer.kind == STATUE else \
                    MOT_REFLECTION
            rows.append((t + 1, ids[key]) + tuple(st.clipped) +
                        (consider, cls, vis))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def _runs(flags: list) -> list:
    """Lengths of the runs of True in a list of booleans."""
    out, n = [], 0
    for f in flags + [False]:
        if f:
            n += 1
        elif n:
            out.append(n)
            n = 0
    return out


def _sequence_stats(data: SequenceData, ids: dict) -> dict:
    """Occlusion events, hidden spells and re-entries of a sequence.

    - occlusion event: a run of frames in which nearer objects hide at
      least half of the in-image silhouette of a pedestrian;
    - hidden spell: a run of frames in which a pedestrian that is mostly
      inside the image is less than ``MIN_VISIBILITY`` visible (it has no
      annotation although it is there);
    - re-entry: an object (any class) leaves the image and comes back.
    """
    tracks = {}
    for t, stats in enumerate(data.frames):
        for st in stats:
            if st.layer.kind != OBJECT:
                continue
            tracks.setdefault(st.layer.uid, {})[t] = st
    occl = n_hidden = hidden_frames = reentries = 0
    for per_frame in tracks.values():
        in_img = [t in per_frame and per_frame[t].clipped[2] > 0 and
                  per_frame[t].clipped[3] > 0
                  for t in range(data.num_frames)]
        seen = [t for t, f in enumerate(in_img) if f]
        if seen:
            reentries += len(_runs(in_img[seen[0]:seen[-1] + 1])) - 1
        if per_frame[min(per_frame)].layer.category != PEDESTRIAN:
            continue
        seen_px = [per_frame[t] if t in per_frame and
                   per_frame[t].in_image > 0 else None
                   for t in range(data.num_frames)]
        occluded = [st is not None and st.occlusion >= OCCLUSION_EVENT
                    for st in seen_px]
        hidden = [st is not None and st.in_image >= 0.5 * st.total and
                  st.visibility < MIN_VISIBILITY for st in seen_px]
        occl += len(_runs(occluded))
        spells = _runs(hidden)
        n_hidden += len(spells)
        hidden_frames += sum(spells)
    return {'occlusion_events': occl, 'hidden_spells': n_hidden,
            'hidden_frames': hidden_frames, 're_entries': reentries}


def _ignore_rows(gt_rows: list) -> list:
    """The gt.txt rows MOT17's evaluation neither rewards nor punishes:
    static persons, reflections and consider-0 pedestrians."""
    return [r for r in gt_rows
            if r[7] in (MOT_STATIC_PERSON, MOT_REFLECTION) or
            (r[7] == MOT_CLASS[PEDESTRIAN] and r[6] == 0)]


def _split_json(sequences: list, split: str, id_maps: list,
                ignore_rows: Optional[list] = None) -> dict:
    """CocoVID dict of one split (see docs/data_formats.md).

    ``id_maps`` holds the :func:`_local_ids` result of every sequence;
    instance ids are the local ids shifted by the number of annotated
    objects of the earlier sequences, hence 1..N without gaps.
    ``ignore_rows`` (per sequence, :func:`_ignore_rows`) are appended as
    ignore regions of ``pedestrian`` (``ignore`` and ``iscrowd`` 1,
    instance ids -1, -2, ...), after every other annotation.
    """
    videos, images, anns = [], [], []
    offset = 0
    for vid, (data, (ids, num_annotated)) in enumerate(
            zip(sequences, id_maps), start=1):
        videos.append({'id': vid, 'name': data.name, 'fps': FPS,
                       'width': data.width, 'height': data.height})
        for t, stats in enumerate(data.frames):
            image_id = len(images) + 1
            images.append({
                'id': image_id, 'video_id': vid,
                'file_name': f'{split}/{data.name}/img1/{t + 1:06d}.jpg',
                'height': data.height, 'width': data.width,
                'frame_id': t, 'mot_frame_id': t + 1})
            for st in stats:
                if not _annotated(st):
                    continue
                x, y, w, h = st.clipped
                anns.append({
                    'id': len(anns) + 1, 'image_id': image_id,
                    'category_id': st.layer.category,
                    'instance_id': offset + ids[(OBJECT, st.layer.uid)],
                    'bbox': [x, y, w, h], 'area': w * h, 'iscrowd': 0,
                    'visibility': round(st.visibility, 4), 'ignore': 0})
        offset += num_annotated
    first_image, num_ignore = 1, 0
    for data, rows in zip(sequences, ignore_rows or []):
        for row in rows:
            # gt rows may hold numpy scalars; JSON needs Python numbers
            t, _, x, y, w, h, _, cls, vis = (
                v.item() if isinstance(v, np.generic) else v for v in row)
            num_ignore += 1
            anns.append({
                'id': len(anns) + 1, 'image_id': first_image + t - 1,
                'category_id': PEDESTRIAN, 'instance_id': -num_ignore,
                'bbox': [x, y, w, h], 'area': w * h, 'iscrowd': 1,
                'visibility': vis, 'mot_class': cls, 'ignore': 1})
        first_image += data.num_frames
    return {'categories': [dict(c) for c in CATEGORIES], 'videos': videos,
            'images': images, 'annotations': anns}


def generate_toy_benchmark(root, seed: int = 0, num_train: int = 12,
                           num_val: int = 6, num_frames: int = 80,
                           width: int = 320, height: int = 240,
                           scale: float = 1.0, progress: bool = True,
                           ignore_regions: bool = True,
                           overwrite: bool = True) -> dict:
    """Write the toy tracking benchmark under ``root``.

    Writes ``<root>/{train,val}/TOY-XX/{img1/*.jpg, gt/gt.txt, det/det.txt,
    seqinfo.ini}`` (MOT17 layout) and
    ``<root>/annotations/{train,val}_cocoformat.json`` (CocoVID). Train
    sequences are TOY-01..TOY-<num_train>, val sequences follow.

    Args:
        root (str | Path): Output folder (created if needed). Existing
            files of the same benchmark are overwritten; other sequences or
            frames already there raise ``FileExistsError``.
        seed (int): Random seed; same arguments give identical bytes.
        num_train (int): Number of train sequences.
        num_val (int): Number of val sequences.
        num_frames (int): Frames per sequence.
        width (int): Image width in pixels.
        height (int): Image height in pixels.
        scale (float): Size knob: multiplies the number of sequences, their
            length and the image size (each rounded). ``scale=2`` gives
            24 + 12 sequences of 160 frames at 640x480.
        progress (bool): Show a tqdm progress bar over the frames.
        ignore_regions (bool): Also write the static persons, reflections
            and consider-0 pedestrians of ``gt.txt`` as ignore regions of
            ``pedestrian`` in the CocoVID files (as ``convert_mot17`` does
            for MOT17). Defaults to True.
        overwrite (bool): Replace files of the benchmark that already exist
            (annotation files, sequence folders). With False they raise
            ``FileExistsError`` before anything is written (the command
            line's default). Defaults to True.

    Returns:
        dict: Summary with keys ``sequences`` (names per split),
        ``frames`` (total), ``identities`` (total CocoVID instances),
        ``paths`` (root, split folders and annotation files, as str) and
        ``splits`` (per split: frames, identities per category,
        annotations, gt/det/distractor rows, look-alike identities,
        occlusion events, hidden spells and frames, re-entries; see
        :func:`_sequence_stats`).
    """
    if scale <= 0:
        raise ValueError(f'scale must be positive, got {scale}')
    num_train = int(round(num_train * scale))
    num_val = int(round(num_val * scale))
    num_frames = int(round(num_frames * scale))
    width = int(round(width * scale))
    height = int(round(height * scale))
    for key, value, low in (('num_train', num_train, 0),
                            ('num_val', num_val, 0),
                            ('num_frames', num_frames, 1),
                            ('width', width, 32), ('height', height, 32)):
        if value < low:
            raise ValueError(f'{key} must be >= {low} after scaling, '
                             f'got {value}')
    if num_train + num_val < 1:
        raise ValueError('at least one sequence is needed')
    root = Path(root)
    names = _seq_names(num_train, num_val)
    _check_target(root, names, num_frames, overwrite)
    summary = {'sequences': names, 'frames': 0, 'identities': 0,
               'paths': {'root': str(root)}, 'splits': {}}
    total = (num_train + num_val) * num_frames
    index = 0
    with tqdm(total=total, desc='toy benchmark', unit='frame',
              disable=not progress) as pbar:
        for split in ('train', 'val'):
            if not names[split]:
                continue
            sequences, id_maps, ignores = [], [], []
            split_stats = {'gt_rows': 0, 'det_rows': 0, 'distractor_rows': 0,
                           'lookalike_identities': 0, 'occlusion_events': 0,
                           'hidden_spells': 0, 'hidden_frames': 0,
                           're_entries': 0}
            for name in names[split]:
                index += 1
                seq_dir = root / split / name
                data, dets = _render_sequence(seed, index, name, seq_dir,
                                              num_frames, width, height, pbar)
                ids, num_annotated = _local_ids(data)
                gt = _gt_rows(data, ids)
                atomic_write_text(seq_dir / 'gt' / 'gt.txt',
                                  format_gt_rows(gt))
                atomic_write_text(seq_dir / 'det' / 'det.txt',
                                  format_det_rows(dets))
                atomic_write_text(seq_dir / 'seqinfo.ini',
                                  format_seqinfo(name, num_frames, width,
                                                 height, FPS))
                sequences.append(data)
                id_maps.append((ids, num_annotated))
                ignores.append(_ignore_rows(gt))
                split_stats['gt_rows'] += len(gt)
                split_stats['det_rows'] += len(dets)
                split_stats['distractor_rows'] += sum(
                    r[7] in (MOT_STATIC_PERSON, MOT_REFLECTION) for r in gt)
                for key, value in _sequence_stats(data, ids).items():
                    split_stats[key] += value
            coco = _split_json(sequences, split, id_maps,
                               ignores if ignore_regions else None)
            ann_file = root / 'annotations' / f'{split}_cocoformat.json'
            atomic_write_text(ann_file, format_json(coco))
            per_cat = {}
            kept = [a for a in coco['annotations'] if not a['ignore']]
            for ann in kept:
                per_cat.setdefault(ann['category_id'], set()).add(
                    ann['instance_id'])
            identities = {c['name']: len(per_cat.get(c['id'], ()))
                          for c in CATEGORIES}
            look = 0
            for data, (ids, num_annotated) in zip(sequences, id_maps):
                look += sum(1 for (kind, uid), i in ids.items()
                            if kind == OBJECT and i <= num_annotated and
                            uid in data.lookalikes)
            split_stats.update(
                sequences=len(sequences), frames=len(coco['images']),
                annotations=len(kept),
                ignore_regions=len(coco['annotations']) - len(kept),
                identities=identities, lookalike_identities=look)
            summary['splits'][split] = split_stats
            summary['frames'] += len(coco['images'])
            summary['identities'] += sum(identities.values())
            summary['paths'][split] = str(root / split)
            summary['paths'][f'{split}_ann'] = str(ann_file)
    return summary
