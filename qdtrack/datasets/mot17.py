"""MOT17 (and MOT16/MOT20) in CocoVID form, with the half train/val split.

Official layout (``docs/data_formats.md``)::

    <root>/train/MOT17-02-DPM/   seqinfo.ini, img1/, gt/gt.txt, det/det.txt
    <root>/train/MOT17-02-FRCNN/ the same images and gt, other det.txt
    <root>/train/MOT17-02-SDP/
    <root>/test/MOT17-01-DPM/    seqinfo.ini, img1/, det/det.txt (no gt)

Every MOT17 sequence comes in three copies, one per public detector
(DPM, FRCNN, SDP), with the same images and ground truth. Folders without a
detector suffix (MOT16, MOT20) are single-copy sequences.

:func:`convert_mot17` writes, under ``<out_dir>`` (default
``<root>/annotations``):

- ``train_cocoformat.json``: every frame of the chosen training copies;
- ``half-train_cocoformat.json`` / ``half-val_cocoformat.json`` (half
  split): the first ``n // 2 + 1`` frames of each training sequence of
  ``n`` frames / the remaining ``n - n // 2 - 1`` frames. This is the rule
  of the public QDTrack/mmtracking converter (``split_frame = n // 2 + 1``)
  and of CenterTrack/ByteTrack (0-based image range ``[0, n // 2]`` vs
  ``[n // 2 + 1, n - 1]``), so half-val numbers compare with theirs
  (MOT17-02, 600 frames: frames 1-301 train, 302-600 val);
- ``test_cocoformat.json`` when ``<root>/test`` exists (images only);

and next to each converted ``gt/gt.txt`` the rows of each half,
``gt/gt_half-train.txt`` and ``gt/gt_half-val.txt``: the original lines,
frame numbers unchanged.

One frame-numbering scheme everywhere: frame numbers are those of the
original sequence. A half-val image keeps its number as ``mot_frame_id``
(``frame_id`` is its 0-based position inside the half video), results
files are written with it, ``gt_half-val.txt`` keeps it and the public
detections of ``det/det.txt`` are looked up by it, so no half ``det.txt``
or ``seqinfo.ini`` is needed. TrackEval sizes a sequence by the original
``seqLength``; the frames of the other half simply hold neither ground
truth nor results and count for nothing.

Annotations: pedestrians (MOT class 1) with consider flag 1 become
annotations of the single category ``pedestrian``. With
``ignore_distractors`` (the default) the rows the official evaluation
neither rewards nor punishes - the distractor classes 2 (person on
vehicle), 7 (static person), 8 (distractor) and 12 (reflection) and
pedestrians with consider flag 0 - become *ignore regions* of
``pedestrian`` (``ignore: 1``, ``iscrowd: 1``, negative ``instance_id``
-1, -2, ... per file): training then takes RPN anchors, RoIs and track-head
samples mostly inside them (intersection over the anchor's area >
``ignore_iof_thr`` of the assigners) as neither positives nor negatives,
as ByteTrack and CenterTrack do for MOT17. Other rows (vehicles, occluders)
are dropped; without the flag every row but the consider-1 pedestrians is
(the public QDTrack converter). Instance ids of the pedestrians are
renumbered per output file from 1 (0 is never used), sequence by sequence
in name order and, inside a sequence, by first frame then MOT id; the
original id is kept as ``mot_instance_id``.
"""
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional

import numpy as np
from tqdm import tqdm

from qdtrack.utils.io import atomic_write_json, atomic_write_text

from .mot_files import (
    check_mot_sequence,
    list_mot_sequences,
    read_mot_gt,
    read_seqinfo,
)

#: Public detectors of MOT17; each sequence has one folder per detector.
MOT17_DETECTORS = ('DPM', 'FRCNN', 'SDP')
#: Output annotation files, by split name.
MOT17_SPLITS = ('train', 'half-train', 'half-val', 'test')
#: The single category of the converted annotations.
MOT17_CATEGORIES = [dict(id=1, name='pedestrian')]
#: MOT17 classes written as ignore regions (with consider-0 pedestrians).
MOT17_IGNORE_CLASSES = (2, 7, 8, 12)
#: Half splits and the ground-truth file written for each.
HALF_GT_FILES = {
    'half-train': 'gt_half-train.txt',
    'half-val': 'gt_half-val.txt',
}

_COPY_NAME = re.compile(r'^(?P<seq>.+)-(?P<det>' + '|'.join(MOT17_DETECTORS) +
                        r')$')
# seqinfo keys that must agree between the detector copies of a sequence
_SHARED_SEQINFO_KEYS = ('imDir', 'frameRate', 'seqLength', 'imWidth',
                        'imHeight', 'imExt')


class MOT17FormatError(ValueError):
    """The MOT17 folder breaks the layout; the message names the path."""


def half_split_frames(num_frames: int) -> Dict[str, np.ndarray]:
    """Frame numbers of the two halves of a sequence.

    Args:
        num_frames (int): the sequence length ``n`` (``seqLength``), >= 1.

    Returns:
        dict[str, np.ndarray]: ``'half-train'``: frames ``1 .. n // 2 + 1``;
        ``'half-val'``: frames ``n // 2 + 2 .. n`` (empty when ``n < 3``).
        1-based int64 arrays.
    """
    if int(num_frames) != num_frames or num_frames < 1:
        raise ValueError(f'num_frames must be an integer >= 1, got '
                         f'{num_frames!r}')
    split = int(num_frames) // 2 + 1  # frames before it go to training
    return {
        'half-train': np.arange(1, split + 1, dtype=np.int64),
        'half-val': np.arange(split + 1, int(num_frames) + 1, dtype=np.int64),
    }


def group_mot17_copies(split_dir: str) -> 'OrderedDict[str, Dict]':
    """Group the sequence folders of a split by sequence.

    Args:
        split_dir (str): e.g. ``data/MOT17/train``.

    Returns:
        OrderedDict[str, dict[str | None, str]]: sequence name (e.g.
        ``'MOT17-02'``) -> detector (``'DPM'``, ``'FRCNN'``, ``'SDP'``, or
        None for a folder without detector suffix) -> folder name, sorted by
        sequence name.

    Raises:
        FileNotFoundError: ``split_dir`` is not a folder.
        ValueError: no sequence folder, or one without ``seqinfo.ini``.
        MOT17FormatError: a folder ``X`` and a folder ``X-<detector>`` both
            exist.
    """
    groups: Dict[str, Dict[Optional[str], str]] = {}
    for folder in list_mot_sequences(split_dir):
        match = _COPY_NAME.match(folder)
        seq, det = (match['seq'], match['det']) if match else (folder, None)
        groups.setdefault(seq, {})[det] = folder
    for seq, copies in groups.items():
        if None in copies and len(copies) > 1:
            raise MOT17FormatError(
                f'{split_dir}: sequence {seq} has both a folder without '
                f'detector suffix and detector copies '
                f'({", ".join(sorted(v for v in copies.values()))})')
    return OrderedDict(sorted(groups.items()))


def convert_mot17(root: str,
                  out_dir: Optional[str] = None,
                  split_train: str = 'half',
                  detector: str = 'FRCNN',
                  test_detector: str = 'all',
                  ignore_distractors: bool = True,
                  progress: bool = True) -> dict:
    """Convert MOT17 to CocoVID JSON and write the half-split gt files.

    See the module docstring for the files written and the rules.

    Args:
        root (str): the MOT17 root holding ``train/`` (and ``test/``).
        out_dir (str, optional): where the JSON files go. Defaults to
            ``<root>/annotations``.
        split_train (str): ``'half'`` writes ``train``, ``half-train`` and
            ``half-val`` (plus the ``gt_half-*.txt`` files); ``'full'``
            writes ``train`` only. Defaults to ``'half'``.
        detector (str): which copy of each training sequence to use:
            ``'DPM'``, ``'FRCNN'`` (default), ``'SDP'`` or ``'all'`` (the
            three copies as three videos, as the public converter does;
            they triplicate the same frames). Sequences without detector
            suffix are always used.
        test_detector (str): the same for ``test/``. Defaults to ``'all'``:
            a MOTChallenge submission needs a results file per copy.
        ignore_distractors (bool): write the distractor rows and consider-0
            pedestrians as ignore regions (see the module docstring).
            Defaults to True; False drops them.
        progress (bool): show tqdm progress bars. Defaults to True.

    Returns:
        dict: ``out_dir``; ``files`` (split -> JSON path); ``gt_files``
        (paths of the ``gt_half-*.txt`` written); ``splits`` (split ->
        ``videos``, ``images``, ``annotations`` (pedestrians),
        ``ignore_regions``, ``instances``, ``dropped_rows`` (gt rows not
        turned into annotations or ignore regions)).

    Raises:
        FileNotFoundError: ``<root>/train`` is missing, or a converted
            training sequence has no ``gt/gt.txt``, or its images are
            missing.
        ValueError: a bad argument, or a malformed file (the message names
            file and line).
        MOT17FormatError: a sequence lacks the requested detector copy, or
            its copies disagree (different ``gt.txt`` or ``seqinfo.ini``).
    """
    if split_train not in ('half', 'full'):
        raise ValueError(f"split_train must be 'half' or 'full', got "
                         f'{split_train!r}')
    for name, value in (('detector', detector),
                        ('test_detector', test_detector)):
        if value not in (*MOT17_DETECTORS, 'all'):
            raise ValueError(f'{name} must be one of '
                             f'{(*MOT17_DETECTORS, "all")}, got {value!r}')
    root = os.fspath(root)
    train_dir = osp.join(root, 'train')
    if not osp.isdir(train_dir):
        raise FileNotFoundError(
            f'{train_dir}: train folder not found (expected the official '
            'layout <root>/train/MOT17-XX-{DPM,FRCNN,SDP}/)')
    out_dir = osp.join(root, 'annotations') if out_dir is None else \
        os.fspath(out_dir)

    splits = ['train'] + (['half-train', 'half-val']
                          if split_train == 'half' else [])
    train_seqs = _load_split(train_dir, detector, with_gt=True,
                             progress=progress)
    outputs = {split: _CocoVidBuilder(ignore_distractors)
               for split in splits}
    gt_files = []
    for seq in tqdm(train_seqs, desc='converting train', unit='seq',
                    disable=not progress):
        n = seq['info']['seqLength']
        ranges = {'train': np.arange(1, n + 1, dtype=np.int64)}
        if split_train == 'half':
            ranges.update(half_split_frames(n))
        for split in splits:
            outputs[split].add_video(seq, 'train', ranges[split])
        if split_train == 'half':
            gt_files += _write_half_gt(seq)

    summary = dict(out_dir=out_dir, files={}, gt_files=gt_files, splits={})
    test_dir = osp.join(root, 'test')
    if osp.isdir(test_dir):
        test_seqs = _load_split(test_dir, test_detector, with_gt=False,
                                progress=progress)
        outputs['test'] = _CocoVidBuilder()
        for seq in tqdm(test_seqs, desc='converting test', unit='seq',
                        disable=not progress):
            n = seq['info']['seqLength']
            outputs['test'].add_video(seq, 'test',
                                      np.arange(1, n + 1, dtype=np.int64))
    for split, builder in outputs.items():
        path = osp.join(out_dir, f'{split}_cocoformat.json')
        atomic_write_json(path, builder.coco, indent=None)
        summary['files'][split] = path
        summary['splits'][split] = builder.stats()
    return summary


# ---------------------------------------------------------------------------
# helpers


def _load_split(split_dir: str, detector: str, with_gt: bool,
                progress: bool) -> List[dict]:
    """Pick and check the copies of every sequence of a split.

    Returns:
        list[dict]: per converted copy: ``name`` (folder), ``dir``,
        ``info`` (seqinfo), and with ``with_gt`` ``gt`` (N, 9) rows and
        ``gt_path``; sorted by folder name.
    """
    groups = group_mot17_copies(split_dir)
    chosen = []
    for seq, copies in tqdm(groups.items(), desc=f'checking {split_dir}',
                            unit='seq', disable=not progress, leave=False):
        if None in copies:
            names = [copies[None]]
        elif detector == 'all':
            names = [copies[d] for d in MOT17_DETECTORS if d in copies]
        elif detector in copies:
            names = [copies[detector]]
        else:
            raise MOT17FormatError(
                f'{split_dir}: sequence {seq} has no {detector} copy '
                f'(found: {", ".join(sorted(copies.values()))})')
        # every copy is compared with the first one, converted or not:
        # seqinfo of all copies first, then images and gt
        entries = []
        for folder in sorted(copies.values()):
            seq_dir = osp.join(split_dir, folder)
            entries.append(
                dict(name=folder, dir=seq_dir, info=read_seqinfo(seq_dir)))
            _check_same_seqinfo(entries[0], entries[-1])
        for entry in entries:
            if entry['name'] in names:
                check_mot_sequence(entry['dir'])
            if with_gt:
                entry['gt_path'] = osp.join(entry['dir'], 'gt', 'gt.txt')
                if not osp.isfile(entry['gt_path']):
                    raise FileNotFoundError(
                        f'{entry["gt_path"]}: ground truth not found '
                        f'(every sequence of {split_dir} needs gt/gt.txt)')
                entry['gt'] = read_mot_gt(
                    entry['gt_path'], max_frame=entry['info']['seqLength'])
                _check_same_gt(entries[0], entry)
        chosen += [entry for entry in entries if entry['name'] in names]
    return sorted(chosen, key=lambda e: e['name'])


def _check_same_seqinfo(first: dict, other: dict) -> None:
    """Raise when two detector copies of a sequence differ in seqinfo."""
    if first is other:
        return
    for key in _SHARED_SEQINFO_KEYS:
        if first['info'][key] != other['info'][key]:
            raise MOT17FormatError(
                f'detector copies of one sequence differ: {key} = '
                f'{other["info"][key]} in '
                f'{osp.join(other["dir"], "seqinfo.ini")} but '
                f'{first["info"][key]} in '
                f'{osp.join(first["dir"], "seqinfo.ini")}')


def _check_same_gt(first: dict, other: dict) -> None:
    """Raise when two detector copies of a sequence differ in gt.txt."""
    if first is other:
        return
    a, b = first['gt'], other['gt']
    if a.shape == b.shape and np.array_equal(a, b):
        return
    if a.shape != b.shape:
        detail = f'{len(b)} rows vs {len(a)} rows'
    else:
        row = int(np.flatnonzero((a != b).any(axis=1))[0])
        detail = (f'first difference at row {row + 1}: '
                  f'{b[row].tolist()} vs {a[row].tolist()}')
    raise MOT17FormatError(
        f'detector copies of one sequence have different ground truth: '
        f'{other["gt_path"]} differs from {first["gt_path"]} ({detail})')


def _write_half_gt(seq: dict) -> List[str]:
    """Write ``gt_half-train.txt`` and ``gt_half-val.txt`` of a copy.

    The original non-blank lines are kept verbatim (frame numbers
    unchanged); returns the paths written.
    """
    with open(seq['gt_path'], encoding='utf-8') as f:
        lines = [line.strip() for line in f if line.strip()]
    frames = seq['gt'][:, 0].astype(np.int64)
    if len(lines) != len(frames):  # the file changed while converting
        raise ValueError(f'{seq["gt_path"]}: {len(lines)} non-blank lines '
                         f'but {len(frames)} rows were read')
    halves = half_split_frames(seq['info']['seqLength'])
    paths = []
    for split, name in HALF_GT_FILES.items():
        keep = np.isin(frames, halves[split])
        text = ''.join(line + '\n'
                       for line, k in zip(lines, keep.tolist()) if k)
        path = osp.join(osp.dirname(seq['gt_path']), name)
        atomic_write_text(path, text)
        paths.append(path)
    return paths


class _CocoVidBuilder:
    """Accumulates the videos, images and annotations of one JSON file."""

    def __init__(self, ignore_distractors: bool = True) -> None:
        self.coco = dict(categories=[dict(c) for c in MOT17_CATEGORIES],
                         videos=[], images=[], annotations=[])
        self.ignore_distractors = ignore_distractors
        self.num_instances = 0
        self.num_ignore = 0
        self.dropped_rows = 0

    def add_video(self, seq: dict, split_folder: str,
                  frames: np.ndarray) -> None:
        """Add the given frames (1-based numbers) of one sequence copy."""
        gt = seq.get('gt')
        if gt is not None:
            in_range = np.isin(gt[:, 0].astype(np.int64), frames)
            gt = gt[in_range]
            keep = (gt[:, 7] == 1) & (gt[:, 6] == 1)
            ignore = np.zeros_like(keep)
            if self.ignore_distractors:
                ignore = np.isin(gt[:, 7], MOT17_IGNORE_CLASSES) | (
                    (gt[:, 7] == 1) & (gt[:, 6] == 0))
            self.dropped_rows += int((~keep & ~ignore).sum())
            ignored, gt = gt[ignore], gt[keep]
        if not len(frames):
            return
        info = seq['info']
        video_id = len(self.coco['videos']) + 1
        self.coco['videos'].append(
            dict(id=video_id, name=seq['name'], fps=info['frameRate'],
                 width=info['imWidth'], height=info['imHeight']))
        first_image_id = len(self.coco['images']) + 1
        for frame_id, number in enumerate(frames.tolist()):
            self.coco['images'].append(
                dict(id=first_image_id + frame_id,
                     video_id=video_id,
                     file_name=f'{split_folder}/{seq["name"]}/'
                     f'{info["imDir"]}/{number:06d}{info["imExt"]}',
                     height=info['imHeight'],
                     width=info['imWidth'],
                     frame_id=frame_id,
                     mot_frame_id=number))
        if gt is None:
            return
        image_of = {n: first_image_id + k
                    for k, n in enumerate(frames.tolist())}
        self._add_pedestrians(gt, image_of)
        self._add_ignore_regions(ignored, image_of)

    def _add_pedestrians(self, gt: np.ndarray, image_of: dict) -> None:
        if not len(gt):
            return
        # instance ids: by first frame, then MOT id
        order = np.lexsort((gt[:, 1], gt[:, 0]))
        gt = gt[order]
        mot_ids, first = np.unique(gt[:, 1], return_index=True)
        by_appearance = mot_ids[np.argsort(first, kind='stable')]
        new_id = {int(m): self.num_instances + k + 1
                  for k, m in enumerate(by_appearance.tolist())}
        self.num_instances += len(by_appearance)
        anns = self.coco['annotations']
        for row in gt.tolist():
            x, y, w, h = row[2:6]
            anns.append(
                dict(id=len(anns) + 1,
                     image_id=image_of[int(row[0])],
                     category_id=1,
                     instance_id=new_id[int(row[1])],
                     mot_instance_id=int(row[1]),
                     bbox=[x, y, w, h],
                     area=w * h,
                     iscrowd=0,
                     visibility=row[8]))

    def _add_ignore_regions(self, rows: np.ndarray, image_of: dict) -> None:
        """Distractor / consider-0 rows as ignore regions of pedestrian."""
        anns = self.coco['annotations']
        for row in rows[np.lexsort((rows[:, 1], rows[:, 0]))].tolist():
            x, y, w, h = row[2:6]
            self.num_ignore += 1
            anns.append(
                dict(id=len(anns) + 1,
                     image_id=image_of[int(row[0])],
                     category_id=1,
                     instance_id=-self.num_ignore,
                     mot_instance_id=int(row[1]),
                     mot_class=int(row[7]),
                     bbox=[x, y, w, h],
                     area=w * h,
                     iscrowd=1,
                     ignore=1,
                     visibility=row[8]))

    def stats(self) -> dict:
        return dict(videos=len(self.coco['videos']),
                    images=len(self.coco['images']),
                    annotations=len(self.coco['annotations']) -
                    self.num_ignore,
                    ignore_regions=self.num_ignore,
                    instances=self.num_instances,
                    dropped_rows=self.dropped_rows)


def mot17_results_from_cocovid(coco: dict,
                               video_name: str) -> np.ndarray:
    """Ground-truth pedestrians of one video as MOT results rows.

    Handy to check an evaluation set-up: the rows of a perfect tracker.

    Args:
        coco (dict): a CocoVID dict written by :func:`convert_mot17`.
        video_name (str): the video (sequence folder) name.

    Returns:
        np.ndarray: (N, 7) rows ``frame, id, x, y, w, h, 1.0`` with the
        original frame number (``mot_frame_id``) and the CocoVID
        ``instance_id``.

    Raises:
        KeyError: no video of that name.
    """
    video_ids = [v['id'] for v in coco['videos'] if v['name'] == video_name]
    if not video_ids:
        raise KeyError(f'no video named {video_name!r}')
    frame_of = {img['id']: img.get('mot_frame_id', img['frame_id'] + 1)
                for img in coco['images'] if img['video_id'] == video_ids[0]}
    rows = [[frame_of[a['image_id']], a['instance_id'], *a['bbox'], 1.0]
            for a in coco['annotations'] if a['image_id'] in frame_of
            and not (a.get('ignore', 0) or a.get('iscrowd', 0))]
    return np.asarray(rows, dtype=np.float64).reshape(-1, 7)


__all__ = [
    'MOT17_DETECTORS', 'MOT17_SPLITS', 'MOT17_CATEGORIES',
    'MOT17_IGNORE_CLASSES', 'HALF_GT_FILES',
    'MOT17FormatError', 'half_split_frames', 'group_mot17_copies',
    'convert_mot17', 'mot17_results_from_cocovid'
]
