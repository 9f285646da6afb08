"""BDD100K box tracking labels (scalabel format) and their CocoVID form.

A BDD100K box-tracking label file holds one video as a list of frames::

    [{"name": "<video>-0000001.jpg", "videoName": "<video>",
      "frameIndex": 0,
      "labels": [{"id": "1", "category": "car",
                  "attributes": {"occluded": false, "truncated": false,
                                 "crowd": false},
                  "box2d": {"x1": 10.0, "y1": 20.0,
                            "x2": 50.0, "y2": 60.0}}]}, ...]

and its images live in ``images/track/{split}/<video>/<frame name>``.

Category rules of the official toolkit (bdd100k 1.0.1,
``configs/box_track.toml``): 8 evaluated classes in 3 super-categories;
``person``, ``bike``, ``motor``, ``van`` and ``caravan`` are renamed; ``other
person``, ``other vehicle`` and ``trailer`` become *ignored* boxes of
``pedestrian``, ``car`` and ``truck``. Ignored and crowd boxes are ignore
regions. Any other category is an error.

Box convention: the toolkit (scalabel ``box2d_to_bbox``) treats ``x1..x2``
as inclusive pixel corners, so a box is ``x2 - x1 + 1`` wide. The CocoVID
conversion keeps that width (``bbox = [x1, y1, x2 - x1 + 1, y2 - y1 + 1]``)
and :func:`xyxy_to_box2d` undoes it for predictions, so boxes survive a
round trip unchanged.
"""
import glob
import json
import os.path as osp
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from qdtrack.utils.io import atomic_write_json

BDD100K_CLASSES = ('pedestrian', 'rider', 'car', 'truck', 'bus', 'train',
                   'motorcycle', 'bicycle')
BDD100K_SUPER_CLASSES = {
    'human': ('pedestrian', 'rider'),
    'vehicle': ('car', 'truck', 'bus', 'train'),
    'bike': ('motorcycle', 'bicycle'),
}
BDD100K_NAME_MAPPING = {
    'bike': 'bicycle',
    'caravan': 'car',
    'motor': 'motorcycle',
    'person': 'pedestrian',
    'van': 'car',
}
BDD100K_IGNORED_MAPPING = {
    'other person': 'pedestrian',
    'other vehicle': 'car',
    'trailer': 'truck',
}
BDD100K_IMAGE_SIZE = (720, 1280)  # (height, width)
BDD100K_FPS = 5  # the box tracking labels are at 5 frames per second

_BOX_KEYS = ('x1', 'y1', 'x2', 'y2')
_FRAME_NUMBER = re.compile(r'-(\d+)\.[A-Za-z]+$')


class ScalabelFormatError(ValueError):
    """Malformed scalabel input; the message names file, frame and label."""


@dataclass
class BoxLabel:
    """One box of a frame after BDD100K category mapping.

    Attributes:
        id (str): Track id as written in the file.
        category (str): One of :data:`BDD100K_CLASSES`.
        box (tuple[float]): ``(x1, y1, x2, y2)``, inclusive pixel corners.
        crowd (bool): The ``crowd`` attribute.
        ignored (bool): An ignored class (``other vehicle``, ...) or an
            ``ignored`` attribute in the file.
        score (float, optional): Confidence of a prediction.
        raw_category (str): Category as written in the file.
    """

    id: str
    category: str
    box: Tuple[float, float, float, float]
    crowd: bool = False
    ignored: bool = False
    score: Optional[float] = None
    raw_category: str = ''

    @property
    def is_ignore(self) -> bool:
        """Whether the box is an ignore region (crowd or ignored class)."""
        return self.crowd or self.ignored


@dataclass
class ScalabelFrame:
    """One frame of a video.

    Attributes:
        name (str): Image file name, e.g. ``<video>-0000001.jpg``.
        video_name (str): Video the frame belongs to.
        frame_index (int): 0-based index of the frame in its video.
        labels (list[BoxLabel]): Boxes of the frame.
        source (str): File the frame was read from (for messages).
        size (tuple[int], optional): ``(height, width)`` when the file
            gives it.
    """

    name: str
    video_name: str
    frame_index: int
    labels: List[BoxLabel]
    source: str = '<memory>'
    size: Optional[Tuple[int, int]] = None


def map_bdd100k_category(name: str) -> Optional[Tuple[str, bool]]:
    """Apply the official name and ignored mappings to a category.

    Args:
        name (str): Category as written in a label file.

    Returns:
        tuple[str, bool] | None: ``(class, ignored)`` with ``class`` one of
        :data:`BDD100K_CLASSES`, or None for a category outside the rules.
    """
    name = BDD100K_NAME_MAPPING.get(name, name)
    if name in BDD100K_CLASSES:
        return name, False
    if name in BDD100K_IGNORED_MAPPING:
        return BDD100K_IGNORED_MAPPING[name], True
    return None


def box2d_to_xywh(box: Sequence[float]) -> List[float]:
    """``(x1, y1, x2, y2)`` inclusive corners to a COCO ``[x, y, w, h]``.

    Args:
        box (Sequence[float]): ``x1, y1, x2, y2`` as in ``box2d``.

    Returns:
        list[float]: ``[x1, y1, x2 - x1 + 1, y2 - y1 + 1]`` (the official
        toolkit's width).
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    return [x1, y1, x2 - x1 + 1, y2 - y1 + 1]


def xyxy_to_box2d(box: Sequence[float]) -> Dict[str, float]:
    """A continuous ``(x1, y1, x2, y2)`` box (mmdet) to a scalabel ``box2d``.

    Inverse of the CocoVID conversion: a model trained on boxes from
    :func:`box2d_to_xywh` predicts ``x2 + 1``, so 1 is taken off again.

    Args:
        box (Sequence[float]): ``x1, y1, x2, y2`` with ``x2 = x + w``.

    Returns:
        dict: ``{'x1', 'y1', 'x2', 'y2'}`` floats.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    return dict(x1=x1, y1=y1, x2=x2 - 1, y2=y2 - 1)


# ---------------------------------------------------------------- loading
def _parse_label(raw, where: str, strict_categories: bool
                 ) -> Optional[BoxLabel]:
    if not isinstance(raw, dict):
        raise ScalabelFormatError(f'{where}: a label is not an object')
    if raw.get('box2d') is None:
        return None  # polygons, tags, ...: not part of box tracking
    if 'id' not in raw or raw['id'] is None:
        raise ScalabelFormatError(f'{where}: a label has no "id"')
    where = f'{where}, label id {raw["id"]!r}'
    category = raw.get('category')
    if not isinstance(category, str):
        raise ScalabelFormatError(f'{where}: "category" missing or not a '
                                  f'string ({category!r})')
    mapped = map_bdd100k_category(category)
    if mapped is None:
        if strict_categories:
            raise ScalabelFormatError(
                f'{where}: unknown category {category!r} (BDD100K box '
                f'tracking knows {", ".join(BDD100K_CLASSES)}, the renamed '
                f'{", ".join(BDD100K_NAME_MAPPING)} and the ignored '
                f'{", ".join(BDD100K_IGNORED_MAPPING)})')
        return None
    box2d = raw['box2d']
    if not isinstance(box2d, dict) or any(k not in box2d for k in _BOX_KEYS):
        raise ScalabelFormatError(
            f'{where}: "box2d" must hold x1, y1, x2, y2 (got {box2d!r})')
    try:
        box = tuple(float(box2d[k]) for k in _BOX_KEYS)
    except (TypeError, ValueError):
        raise ScalabelFormatError(
            f'{where}: "box2d" has a non-numeric value {box2d!r}') from None
    if not np.all(np.isfinite(box)):
        raise ScalabelFormatError(f'{where}: "box2d" is not finite {box2d}')
    if box[2] < box[0] or box[3] < box[1]:
        raise ScalabelFormatError(
            f'{where}: "box2d" has x2 < x1 or y2 < y1 ({box2d})')
    attributes = raw.get('attributes') or {}
    if not isinstance(attributes, dict):
        raise ScalabelFormatError(f'{where}: "attributes" is not an object')
    score = raw.get('score')
    if score is not None:
        try:
            score = float(score)
        except (TypeError, ValueError):
            raise ScalabelFormatError(
                f'{where}: "score" is not a number ({score!r})') from None
    return BoxLabel(
        id=str(raw['id']),
        category=mapped[0],
        box=box,
        crowd=bool(attributes.get('crowd', False)),
        ignored=mapped[1] or bool(attributes.get('ignored', False)),
        score=score,
        raw_category=category)


def _parse_frame(raw, source: str, position: int,
                 strict_categories: bool) -> ScalabelFrame:
    where = f'{source}: frame {position}'
    if not isinstance(raw, dict):
        raise ScalabelFormatError(f'{where} is not an object')
    if not isinstance(raw.get('name'), str):
        raise ScalabelFormatError(f'{where} has no "name"')
    where = f'{source}: frame {position} ({raw["name"]})'
    video_name = raw.get('videoName')
    if not isinstance(video_name, str) or not video_name:
        raise ScalabelFormatError(f'{where} has no "videoName"')
    frame_index = raw.get('frameIndex')
    if isinstance(frame_index, bool) or not isinstance(frame_index, int):
        raise ScalabelFormatError(
            f'{where}: "frameIndex" missing or not an integer '
            f'({frame_index!r})')
    labels = raw.get('labels') or []
    if not isinstance(labels, list):
        raise ScalabelFormatError(f'{where}: "labels" is not a list')
    size = raw.get('size')
    if isinstance(size, dict) and 'height' in size and 'width' in size:
        size = (int(size['height']), int(size['width']))
    else:
        size = None
    parsed = [_parse_label(lab, where, strict_categories) for lab in labels]
    return ScalabelFrame(
        name=raw['name'],
        video_name=video_name,
        frame_index=frame_index,
        labels=[lab for lab in parsed if lab is not None],
        source=source,
        size=size)


def _read_json_frames(path: str) -> list:
    try:
        with open(path, encoding='utf-8') as f:
            content = json.load(f)
    except json.JSONDecodeError as e:
        raise ScalabelFormatError(f'{path}: not valid JSON ({e})') from e
    if isinstance(content, dict):
        content = content.get('frames')
    if not isinstance(content, list):
        raise ScalabelFormatError(
            f'{path}: expected a list of frames or {{"frames": [...]}}')
    return content


def load_scalabel_frames(path: str,
                         strict_categories: bool = True,
                         progress: bool = True) -> List[ScalabelFrame]:
    """Read scalabel box-tracking frames from a JSON file or a folder.

    Args:
        path (str): A JSON file (a list of frames or ``{"frames": [...]}``)
            or a folder of such files (read in sorted order).
        strict_categories (bool): Raise on a category outside the BDD100K
            rules; otherwise such boxes are dropped. Defaults to True.
        progress (bool): Show a progress bar over the files.
            Defaults to True.

    Returns:
        list[ScalabelFrame]: Frames in file order. Labels without ``box2d``
        are left out.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ScalabelFormatError: Malformed content, naming file, frame and label.
    """
    if osp.isdir(path):
        files = sorted(glob.glob(osp.join(path, '*.json')))
        if not files:
            raise FileNotFoundError(f'no *.json label files in {path}')
    elif osp.isfile(path):
        files = [path]
    else:
        raise FileNotFoundError(f'scalabel labels not found: {path}')
    frames = []
    for file in tqdm(files, desc='reading labels', disable=not progress
                     or len(files) < 2):
        for i, raw in enumerate(_read_json_frames(file)):
            frames.append(_parse_frame(raw, file, i, strict_categories))
    return frames


def group_frames_by_video(
        frames: Sequence[ScalabelFrame]) -> Dict[str, List[ScalabelFrame]]:
    """Group frames by video, videos by name and frames by ``frameIndex``.

    Args:
        frames (Sequence[ScalabelFrame]): Frames of any number of videos.

    Returns:
        dict[str, list[ScalabelFrame]]: Video name to its sorted frames.

    Raises:
        ScalabelFormatError: Two frames of a video share a ``frameIndex``.
    """
    videos = defaultdict(list)
    for frame in frames:
        videos[frame.video_name].append(frame)
    out = {}
    for name in sorted(videos):
        video = sorted(videos[name], key=lambda f: f.frame_index)
        for prev, cur in zip(video, video[1:]):
            if prev.frame_index == cur.frame_index:
                raise ScalabelFormatError(
                    f'{cur.source}: video {name} has two frames with '
                    f'frameIndex {cur.frame_index} ({prev.name} in '
                    f'{prev.source} and {cur.name})')
        out[name] = video
    return out


# ------------------------------------------------------------- conversion
def scalabel_to_cocovid(frames: Sequence[ScalabelFrame],
                        split: str,
                        image_size: Tuple[int, int] = BDD100K_IMAGE_SIZE,
                        progress: bool = True) -> dict:
    """Convert BDD100K box-tracking frames to a CocoVID dict.

    Videos are numbered in name order and frames in ``frameIndex`` order
    (``frame_id`` is the 0-based position, ``mot_frame_id`` the 1-based
    frame number of the file name, ``frameIndex + 1``). Instance ids start
    at 1 and are unique over the whole split. Crowd boxes and ignored
    classes are kept with ``iscrowd: 1`` and ``ignore: 1``.

    Args:
        frames (Sequence[ScalabelFrame]): Frames of the split.
        split (str): Split folder under ``images/track/``; file names are
            ``{split}/{video}/{name}``.
        image_size (tuple[int]): ``(height, width)`` of frames that do not
            state their size. Defaults to BDD100K's (720, 1280).
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: CocoVID (see ``docs/data_formats.md``).
    """
    videos = group_frames_by_video(frames)
    cat_ids = {name: i + 1 for i, name in enumerate(BDD100K_CLASSES)}
    out = dict(
        categories=[dict(id=i, name=n) for n, i in cat_ids.items()],
        videos=[], images=[], annotations=[])
    instance_ids: Dict[Tuple[str, str], int] = {}
    for video_id, (video_name, video) in enumerate(
            tqdm(videos.items(), desc=f'converting {split}',
                 disable=not progress), 1):
        height, width = video[0].size or image_size
        out['videos'].append(
            dict(id=video_id, name=video_name, fps=BDD100K_FPS,
                 width=width, height=height))
        for position, frame in enumerate(video):
            img_h, img_w = frame.size or image_size
            image_id = len(out['images']) + 1
            out['images'].append(
                dict(id=image_id, video_id=video_id,
                     file_name=f'{split}/{video_name}/{frame.name}',
                     height=img_h, width=img_w, frame_id=position,
                     mot_frame_id=frame.frame_index + 1))
            for label in frame.labels:
                key = (video_name, label.id)
                if key not in instance_ids:
                    instance_ids[key] = len(instance_ids) + 1
                bbox = box2d_to_xywh(label.box)
                ignore = int(label.is_ignore)
                out['annotations'].append(
                    dict(id=len(out['annotations']) + 1, image_id=image_id,
                         category_id=cat_ids[label.category],
                         instance_id=instance_ids[key], bbox=bbox,
                         area=bbox[2] * bbox[3], iscrowd=ignore,
                         ignore=ignore))
    return out


def convert_bdd100k_labels(label_path: str,
                           out_file: str,
                           split: str,
                           image_size: Tuple[int, int] = BDD100K_IMAGE_SIZE,
                           progress: bool = True) -> dict:
    """Convert a folder (or file) of BDD100K box-tracking labels to CocoVID.

    Args:
        label_path (str): e.g. ``data/bdd/labels/box_track_20/val``.
        out_file (str): CocoVID JSON to write (atomically).
        split (str): Image split folder, e.g. ``'val'``.
        image_size (tuple[int]): ``(height, width)`` of frames without a
            size. Defaults to (720, 1280).
        progress (bool): Show progress bars. Defaults to True.

    Returns:
        dict: Counts of ``videos``, ``images``, ``annotations``,
        ``instances`` and ``ignore_regions`` written.
    """
    frames = load_scalabel_frames(label_path, progress=progress)
    coco = scalabel_to_cocovid(frames, split, image_size, progress)
    atomic_write_json(out_file, coco, indent=None)
    return dict(
        videos=len(coco['videos']),
        images=len(coco['images']),
        annotations=len(coco['annotations']),
        instances=len({a['instance_id'] for a in coco['annotations']}),
        ignore_regions=sum(a['ignore'] for a in coco['annotations']))


def cocovid_from_bdd100k_images(
        img_dir: str,
        split: str,
        image_size: Tuple[int, int] = BDD100K_IMAGE_SIZE,
        classes: Sequence[str] = BDD100K_CLASSES) -> dict:
    """A CocoVID dict without annotations for unlabeled videos (test split).

    Args:
        img_dir (str): Folder with one sub-folder of
            ``<video>-<frame:07d>.jpg`` images per video, e.g.
            ``data/bdd/images/track/test``.
        split (str): Split name used in ``file_name``.
        image_size (tuple[int]): ``(height, width)`` of every frame.
            Defaults to (720, 1280).
        classes (Sequence[str]): Category names. Defaults to the 8 classes.

    Returns:
        dict: CocoVID with empty ``annotations``.

    Raises:
        FileNotFoundError: ``img_dir`` has no video folders.
        ScalabelFormatError: An image name does not end in a frame number.
    """
    video_names = sorted(d for d in glob.glob(osp.join(img_dir, '*'))
                         if osp.isdir(d))
    if not video_names:
        raise FileNotFoundError(f'no video folders in {img_dir}')
    height, width = image_size
    out = dict(categories=[dict(id=i + 1, name=n)
                           for i, n in enumerate(classes)],
               videos=[], images=[], annotations=[])
    for video_id, video_dir in enumerate(video_names, 1):
        name = osp.basename(video_dir)
        out['videos'].append(dict(id=video_id, name=name, fps=BDD100K_FPS,
                                  width=width, height=height))
        numbered = []
        for path in glob.glob(osp.join(video_dir, '*.jpg')):
            match = _FRAME_NUMBER.search(osp.basename(path))
            if match is None:
                raise ScalabelFormatError(
                    f'{path}: image name does not end in -<frame number>.jpg')
            numbered.append((int(match.group(1)), osp.basename(path)))
        for position, (number, file) in enumerate(sorted(numbered)):
            out['images'].append(
                dict(id=len(out['images']) + 1, video_id=video_id,
                     file_name=f'{split}/{name}/{file}', height=height,
                     width=width, frame_id=position, mot_frame_id=number))
    return out



#: Categories of the BDD100K detection labels that box tracking lacks.
BDD100K_DET_ONLY_CLASSES = ('traffic light', 'traffic sign')


def bdd100k_det_to_cocovid(frames: Sequence[dict],
                           split: str,
                           source: str = '<detection labels>',
                           image_size: Tuple[int, int] = BDD100K_IMAGE_SIZE
                           ) -> dict:
    """BDD100K detection labels (the 100k images) as CocoVID still images.

    The QDTrack paper trains BDD100K tracking jointly on these images: each
    image is a video of one frame (no ``video_id``;
    :class:`~qdtrack.datasets.CocoVideoDataset` makes it a one-frame video,
    so the reference frame is the key frame itself) and each box its own
    instance. Categories follow the box-tracking rules
    (:func:`map_bdd100k_category`): the 8 classes, the renamed ones, the
    ignored ``other person`` / ``other vehicle`` / ``trailer`` and crowd
    boxes as ignore regions; ``traffic light`` and ``traffic sign`` are
    dropped; any other category is an error.

    Args:
        frames (Sequence[dict]): The label file's frames
            (``labels/det_20/det_{split}.json``: ``name``, ``labels`` with
            ``id``, ``category``, ``attributes``, ``box2d``).
        split (str): Image folder under ``images/100k/``; ``file_name`` is
            ``{split}/{name}``.
        source (str): Name used in error messages (the file).
        image_size (tuple[int]): ``(height, width)``. Defaults to
            (720, 1280).

    Returns:
        dict: CocoVID with ``images`` (no ``video_id``), ``annotations``
        (instance ids 1..N, one per box) and the 8 categories.
    """
    cat_ids = {name: i + 1 for i, name in enumerate(BDD100K_CLASSES)}
    out = dict(
        categories=[dict(id=i, name=n) for n, i in cat_ids.items()],
        videos=[], images=[], annotations=[])
    names = set()
    for position, raw in enumerate(frames):
        where = f'{source}: frame {position}'
        if not isinstance(raw, dict) or not isinstance(raw.get('name'), str):
            raise ScalabelFormatError(f'{where} is not an object with a '
                                      '"name"')
        if raw['name'] in names:
            raise ScalabelFormatError(f'{where} repeats image {raw["name"]}')
        names.add(raw['name'])
        where = f'{where} ({raw["name"]})'
        labels = raw.get('labels') or []
        if not isinstance(labels, list):
            raise ScalabelFormatError(f'{where}: "labels" is not a list')
        height, width = image_size
        image_id = len(out['images']) + 1
        out['images'].append(dict(id=image_id,
                                  file_name=f'{split}/{raw["name"]}',
                                  height=height, width=width))
        for lab in labels:
            if isinstance(lab, dict) and lab.get(
                    'category') in BDD100K_DET_ONLY_CLASSES:
                continue
            label = _parse_label(lab, where, strict_categories=True)
            if label is None:
                continue
            bbox = box2d_to_xywh(label.box)
            ignore = int(label.is_ignore)
            out['annotations'].append(
                dict(id=len(out['annotations']) + 1, image_id=image_id,
                     category_id=cat_ids[label.category],
                     instance_id=len(out['annotations']) + 1, bbox=bbox,
                     area=bbox[2] * bbox[3], iscrowd=ignore, ignore=ignore))
    return out


def convert_bdd100k_det_labels(label_file: str,
                               out_file: str,
                               split: str,
                               image_size: Tuple[int, int] = BDD100K_IMAGE_SIZE
                               ) -> dict:
    """Convert a BDD100K detection label file to CocoVID still images.

    Args:
        label_file (str): e.g. ``data/bdd100k/labels/det_20/det_train.json``.
        out_file (str): CocoVID JSON to write (atomically).
        split (str): Image folder under ``images/100k/``, e.g. ``'train'``.
        image_size (tuple[int]): ``(height, width)``. Defaults to
            (720, 1280).

    Returns:
        dict: Counts of ``images``, ``annotations`` and ``ignore_regions``.
    """
    if not osp.isfile(label_file):
        raise FileNotFoundError(f'detection labels not found: {label_file}')
    coco = bdd100k_det_to_cocovid(_read_json_frames(label_file), split,
                                  label_file, image_size)
    atomic_write_json(out_file, coco, indent=None)
    return dict(images=len(coco['images']),
                annotations=len(coco['annotations']),
                ignore_regions=sum(a['ignore'] for a in coco['annotations']))
