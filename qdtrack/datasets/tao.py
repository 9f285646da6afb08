"""TAO annotations: read TAO's JSON and convert it to CocoVID and back.

TAO (Dave et al., "TAO: A Large-Scale Benchmark for Tracking Any Object",
ECCV 2020) labels LVIS categories at about one frame per second. Its labels
are *federated*: each video lists ``neg_category_ids`` (categories verified
to be absent) and ``not_exhaustive_category_ids`` (categories present but
not every instance labelled). Both lists are kept on the CocoVID video
entries so that metrics can honour them.

TAO JSON::

    videos:      {id, name, width, height, neg_category_ids,
                  not_exhaustive_category_ids, metadata?}
    images:      {id, video_id, file_name, width, height,
                  frame_index}                 # index in the source video
    tracks:      {id, category_id, video_id}
    annotations: {id, image_id, video_id, track_id, category_id,
                  bbox [x, y, w, h], area, iscrowd}
    categories:  {id, name, synset, frequency ('r' | 'c' | 'f'),
                  merged?: [categories folded into this one], ...}

CocoVID (``docs/data_formats.md``) gets ``instance_id`` = the TAO track id
remapped to ``1..N`` (sorted by TAO id), ``frame_id`` = the 0-based position
of the frame among the video's labelled frames (ordered by
``frame_index``), and keeps TAO's ``frame_index`` as ``tao_frame_index``.
"""
import json
import math
import os.path as osp
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Union

from mmengine.fileio import get_local_path

from qdtrack.registry import DATASETS

from .coco_video_dataset import AnnotationError, CocoVideoDataset

__all__ = [
    'AnnotationError', 'TAODataset', 'category_merge_map', 'cocovid_to_tao',
    'is_tao_format', 'load_as_cocovid', 'load_json', 'load_tao',
    'tao_to_cocovid', 'tao_track_vocabulary'
]

_TAO_KEYS = {
    'videos': ('id', 'name'),
    'images': ('id', 'video_id', 'file_name', 'frame_index'),
    'annotations': ('id', 'image_id', 'track_id', 'category_id', 'bbox'),
    'categories': ('id', 'name'),
}
_COCOVID_KEYS = {
    'videos': ('id', 'name'),
    'images': ('id', 'video_id', 'file_name', 'frame_id'),
    'annotations': ('id', 'image_id', 'category_id', 'instance_id', 'bbox'),
    'categories': ('id', 'name'),
}
_FEDERATED_KEYS = ('neg_category_ids', 'not_exhaustive_category_ids')


def load_json(path: str) -> Union[dict, list]:
    """Read a JSON file, naming the file in every error.

    Args:
        path (str): The file.

    Returns:
        dict | list: The decoded content.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise AnnotationError(f'{path}: not valid JSON ({e})') from e


def _check_sections(data, keys: Dict[str, tuple], source: str) -> None:
    """Raise if a section is missing or a record lacks a required key."""
    if not isinstance(data, dict):
        raise AnnotationError(
            f'{source}: expected a JSON object, got {type(data).__name__}')
    for section, required in keys.items():
        records = data.get(section)
        if not isinstance(records, list):
            raise AnnotationError(f'{source}: missing list "{section}"')
        for i, rec in enumerate(records):
            if not isinstance(rec, dict):
                raise AnnotationError(
                    f'{source}: {section}[{i}] is not an object')
            missing = [k for k in required if k not in rec]
            if missing:
                raise AnnotationError(
                    f'{source}: {section}[{i}] (id {rec.get("id")}) lacks '
                    f'{", ".join(missing)}')


def _unique_ids(records: List[dict], section: str, source: str) -> None:
    seen = set()
    for i, rec in enumerate(records):
        if rec['id'] in seen:
            raise AnnotationError(
                f'{source}: {section}[{i}] repeats id {rec["id"]}')
        seen.add(rec['id'])


def _check_bbox(bbox, where: str) -> List[float]:
    """Validate an ``[x, y, w, h]`` box and return it as floats."""
    if not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
        raise AnnotationError(f'{where}: bbox must be [x, y, w, h], got '
                              f'{bbox!r}')
    try:
        box = [float(v) for v in bbox]
    except (TypeError, ValueError) as e:
        raise AnnotationError(f'{where}: bbox {bbox!r} is not numeric') from e
    if not all(math.isfinite(v) for v in box):
        raise AnnotationError(f'{where}: bbox {bbox!r} is not finite')
    if box[2] < 0 or box[3] < 0:
        raise AnnotationError(f'{where}: bbox {bbox!r} has a negative size')
    return box


def _id_list(value, where: str) -> List[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise AnnotationError(f'{where}: expected a list of category ids, '
                              f'got {value!r}')
    return list(value)


def category_merge_map(categories: Iterable[dict]) -> Dict[int, int]:
    """Map the ids of categories TAO folded into another one to its id.

    TAO lists, on a kept category, the categories merged into it under
    ``merged``; annotations and predictions may still use the old ids.

    Args:
        categories (Iterable[dict]): Category records.

    Returns:
        dict[int, int]: Old id -> kept id (empty when nothing was merged).
    """
    merge = {}
    for cat in categories:
        for old in cat.get('merged', None) or []:
            merge[old['id']] = cat['id']
    return merge


def is_tao_format(data: dict) -> bool:
    """Whether ``data`` looks like TAO's JSON rather than CocoVID.

    TAO annotations carry ``track_id`` (CocoVID ones ``instance_id``) and TAO
    files have a ``tracks`` section.

    Args:
        data (dict): A decoded annotation file.

    Returns:
        bool: True for TAO's layout.
    """
    if not isinstance(data, dict):
        return False
    if 'tracks' in data:
        return True
    anns = data.get('annotations') or []
    return bool(anns) and 'track_id' in anns[0] and 'instance_id' not in (
        anns[0])


def tao_to_cocovid(tao: dict, source: str = '<TAO dict>') -> dict:
    """Convert TAO's JSON to CocoVID.

    Frames are ordered by ``frame_index`` within each video, videos keep
    their order in the file, track ids become ``instance_id`` 1..N, merged
    categories are resolved on annotations and tracks, and the federated
    lists stay on the videos (absent lists become empty).

    Args:
        tao (dict): TAO's decoded JSON. Not modified.
        source (str): Name used in error messages (usually the file path).

    Returns:
        dict: CocoVID with ``categories``, ``videos``, ``images`` and
        ``annotations`` (plus ``info`` when present).
    """
    _check_sections(tao, _TAO_KEYS, source)
    for section in ('videos', 'images', 'annotations', 'categories'):
        _unique_ids(tao[section], section, source)
    categories = [dict(c) for c in tao['categories']]
    cat_ids = {c['id'] for c in categories}
    merge = category_merge_map(categories)

    videos, video_by_id = [], {}
    names = set()
    for i, vid in enumerate(tao['videos']):
        where = f'{source}: videos[{i}] (id {vid["id"]})'
        if vid['name'] in names:
            raise AnnotationError(f'{where}: repeats name "{vid["name"]}"')
        names.add(vid['name'])
        out = {k: v for k, v in vid.items() if k not in _FEDERATED_KEYS}
        for key in _FEDERATED_KEYS:
            out[key] = _id_list(vid.get(key), f'{where} {key}')
        videos.append(out)
        video_by_id[vid['id']] = out

    frames = defaultdict(list)
    for i, img in enumerate(tao['images']):
        where = f'{source}: images[{i}] (id {img["id"]})'
        if img['video_id'] not in video_by_id:
            raise AnnotationError(
                f'{where}: unknown video_id {img["video_id"]}')
        if not isinstance(img['frame_index'], int):
            raise AnnotationError(f'{where}: frame_index must be an integer, '
                                  f'got {img["frame_index"]!r}')
        frames[img['video_id']].append((img['frame_index'], i, img))

    images, image_by_id = [], {}
    for vid in videos:
        ordered = sorted(frames[vid['id']], key=lambda x: x[:2])
        for pos, (frame_index, i, img) in enumerate(ordered):
            if pos and ordered[pos - 1][0] == frame_index:
                raise AnnotationError(
                    f'{source}: images[{i}] (id {img["id"]}): video '
                    f'"{vid["name"]}" repeats frame_index {frame_index}')
            out = dict(
                id=img['id'],
                video_id=img['video_id'],
                file_name=img['file_name'],
                height=img.get('height', vid.get('height')),
                width=img.get('width', vid.get('width')),
                frame_id=pos,
                tao_frame_index=frame_index)
            images.append(out)
            image_by_id[img['id']] = out
    image_rank = {img['id']: r for r, img in enumerate(images)}

    tracks = {}
    for i, trk in enumerate(tao.get('tracks') or []):
        where = f'{source}: tracks[{i}]'
        missing = [
            k for k in ('id', 'category_id', 'video_id') if k not in trk
        ]
        if missing:
            raise AnnotationError(f'{where} lacks {", ".join(missing)}')
        if trk['id'] in tracks:
            raise AnnotationError(f'{where} repeats id {trk["id"]}')
        tracks[trk['id']] = (merge.get(trk['category_id'], trk['category_id']),
                             trk['video_id'])

    annotations = []
    track_info, track_frames = {}, set()
    for i, ann in enumerate(tao['annotations']):
        where = f'{source}: annotations[{i}] (id {ann["id"]})'
        img = image_by_id.get(ann['image_id'])
        if img is None:
            raise AnnotationError(
                f'{where}: unknown image_id {ann["image_id"]}')
        if ann.get('video_id', img['video_id']) != img['video_id']:
            raise AnnotationError(
                f'{where}: video_id {ann["video_id"]} differs from the video '
                f'{img["video_id"]} of image {img["id"]}')
        cat = merge.get(ann['category_id'], ann['category_id'])
        if cat not in cat_ids:
            raise AnnotationError(
                f'{where}: unknown category_id {ann["category_id"]}')
        tid = ann['track_id']
        if not isinstance(tid, int) or isinstance(tid, bool):
            raise AnnotationError(
                f'{where}: track_id must be an integer, got {tid!r}')
        info = (cat, img['video_id'])
        if tid in tracks and tracks[tid] != info:
            raise AnnotationError(
                f'{where}: track {tid} has category/video {info}, but the '
                f'"tracks" section says {tracks[tid]}')
        if track_info.setdefault(tid, info) != info:
            raise AnnotationError(
                f'{where}: track {tid} changes category or video from '
                f'{track_info[tid]} to {info}')
        if (tid, img['id']) in track_frames:
            raise AnnotationError(
                f'{where}: track {tid} has two boxes in image {img["id"]}')
        track_frames.add((tid, img['id']))
        box = _check_bbox(ann['bbox'], where)
        annotations.append((image_rank[img['id']], i, dict(
            id=ann['id'],
            image_id=ann['image_id'],
            category_id=cat,
            instance_id=tid,
            bbox=box,
            area=float(ann.get('area', box[2] * box[3])),
            iscrowd=int(ann.get('iscrowd', 0)))))
    annotations.sort(key=lambda x: x[:2])
    new_id = {tid: k + 1 for k, tid in enumerate(sorted(track_info))}
    anns = []
    for _, _, ann in annotations:
        ann['instance_id'] = new_id[ann['instance_id']]
        anns.append(ann)

    out = dict(
        categories=categories, videos=videos, images=images, annotations=anns)
    if 'info' in tao:
        out['info'] = tao['info']
    return out


def load_tao(path: str) -> dict:
    """Read TAO's JSON file and convert it to CocoVID.

    Args:
        path (str): TAO annotation file (e.g. ``annotations/validation.json``).

    Returns:
        dict: CocoVID, see :func:`tao_to_cocovid`.
    """
    return tao_to_cocovid(load_json(path), source=path)


def load_as_cocovid(src: Union[str, dict], source: Optional[str] = None
                    ) -> dict:
    """Ground truth as CocoVID, whether given as TAO or CocoVID.

    Args:
        src (str | dict): A file path or a decoded file.
        source (str, optional): Name for error messages when ``src`` is a
            dict. Defaults to None.

    Returns:
        dict: CocoVID (validated), with the federated lists on every video.
    """
    if isinstance(src, str):
        source, data = src, load_json(src)
    else:
        data, source = src, source or '<ground-truth dict>'
    if is_tao_format(data):
        return tao_to_cocovid(data, source)
    return _check_cocovid(data, source)


def _check_cocovid(data: dict, source: str) -> dict:
    """Validate CocoVID and return a copy with checked federated lists."""
    _check_sections(data, _COCOVID_KEYS, source)
    for section in ('videos', 'images', 'annotations', 'categories'):
        _unique_ids(data[section], section, source)
    videos, video_names = [], {}
    for i, vid in enumerate(data['videos']):
        where = f'{source}: videos[{i}] (id {vid["id"]})'
        if vid['name'] in video_names.values():
            raise AnnotationError(f'{where}: repeats name "{vid["name"]}"')
        video_names[vid['id']] = vid['name']
        out = dict(vid)
        for key in _FEDERATED_KEYS:
            if key in vid:
                out[key] = _id_list(vid[key], f'{where} {key}')
        videos.append(out)
    frames, image_ids = set(), set()
    for i, img in enumerate(data['images']):
        where = f'{source}: images[{i}] (id {img["id"]})'
        if img['video_id'] not in video_names:
            raise AnnotationError(
                f'{where}: unknown video_id {img["video_id"]}')
        key = (img['video_id'], img['frame_id'])
        if key in frames:
            raise AnnotationError(
                f'{where}: video "{video_names[img["video_id"]]}" repeats '
                f'frame_id {img["frame_id"]}')
        frames.add(key)
        image_ids.add(img['id'])
    cat_ids = {c['id'] for c in data['categories']}
    for i, ann in enumerate(data['annotations']):
        where = f'{source}: annotations[{i}] (id {ann["id"]})'
        if ann['image_id'] not in image_ids:
            raise AnnotationError(
                f'{where}: unknown image_id {ann["image_id"]}')
        if ann['category_id'] not in cat_ids:
            raise AnnotationError(
                f'{where}: unknown category_id {ann["category_id"]}')
        iid = ann['instance_id']
        if not isinstance(iid, int) or isinstance(iid, bool):
            raise AnnotationError(
                f'{where}: instance_id must be an integer, got {iid!r}')
        _check_bbox(ann['bbox'], where)
    return dict(data, videos=videos)


def cocovid_to_tao(cocovid: dict,
                   source: str = '<CocoVID dict>',
                   neg_category_ids: Optional[Dict[str, List[int]]] = None,
                   not_exhaustive_category_ids: Optional[Dict[
                       str, List[int]]] = None) -> dict:
    """Convert CocoVID to TAO's JSON (what TAO tools and TrackEval read).

    ``track_id`` is the ``instance_id``; ``frame_index`` is the image's
    ``tao_frame_index`` when present, else its ``frame_id``. Annotations
    flagged ``ignore`` or ``iscrowd`` are left out (TAO has no ignore
    regions). Categories keep every field; the federated lists come from
    the arguments, else from the video entries, else are empty.

    Args:
        cocovid (dict): CocoVID. Not modified.
        source (str): Name used in error messages.
        neg_category_ids (dict[str, list[int]], optional): Video name ->
            categories verified absent. Overrides the video entries.
        not_exhaustive_category_ids (dict[str, list[int]], optional): Video
            name -> categories not exhaustively labelled.

    Returns:
        dict: TAO JSON with ``videos``, ``images``, ``tracks``,
        ``annotations`` and ``categories``.
    """
    data = load_as_cocovid(cocovid, source)
    overrides = {
        'neg_category_ids': neg_category_ids or {},
        'not_exhaustive_category_ids': not_exhaustive_category_ids or {},
    }
    video_names = {v['name'] for v in data['videos']}
    for key, table in overrides.items():
        unknown = sorted(set(table) - video_names)
        if unknown:
            raise ValueError(f'{source}: {key} names unknown videos {unknown}')
    videos, video_by_id = [], {}
    for vid in data['videos']:
        out = {k: v for k, v in vid.items() if k not in _FEDERATED_KEYS}
        for key, table in overrides.items():
            out[key] = sorted(table.get(vid['name'], vid.get(key) or []))
        videos.append(out)
        video_by_id[vid['id']] = out
    images, image_by_id = [], {}
    for img in data['images']:
        vid = video_by_id[img['video_id']]
        out = dict(
            id=img['id'],
            video_id=img['video_id'],
            video=vid['name'],
            file_name=img['file_name'],
            height=img.get('height', vid.get('height')),
            width=img.get('width', vid.get('width')),
            frame_index=int(img.get('tao_frame_index', img['frame_id'])))
        images.append(out)
        image_by_id[img['id']] = out
    tracks, annotations, track_frames = {}, [], set()
    for i, ann in enumerate(data['annotations']):
        where = f'{source}: annotations[{i}] (id {ann["id"]})'
        if ann.get('ignore', 0) or ann.get('iscrowd', 0):
            continue
        img = image_by_id[ann['image_id']]
        tid = ann['instance_id']
        if (tid, img['id']) in track_frames:
            raise AnnotationError(
                f'{where}: instance {tid} has two boxes in image {img["id"]}')
        track_frames.add((tid, img['id']))
        info = dict(
            id=tid, category_id=ann['category_id'], video_id=img['video_id'])
        known = tracks.setdefault(tid, info)
        if known != info:
            raise AnnotationError(
                f'{where}: instance {tid} changes category or video '
                f'({known["category_id"]}, {known["video_id"]}) -> '
                f'({info["category_id"]}, {info["video_id"]})')
        box = _check_bbox(ann['bbox'], where)
        annotations.append(dict(
            id=ann['id'],
            image_id=ann['image_id'],
            video_id=img['video_id'],
            track_id=tid,
            category_id=ann['category_id'],
            bbox=box,
            area=box[2] * box[3],
            iscrowd=0))
    out = dict(
        videos=videos,
        images=images,
        tracks=list(tracks.values()),
        annotations=annotations,
        categories=[dict(c) for c in data['categories']])
    if 'info' in data:
        out['info'] = data['info']
    return out


def tao_track_vocabulary(annotation_files: Iterable[str],
                         category_files: Iterable[str] = ()) -> List[str]:
    """The classes QDTrack's TAO models predict (482 on TAO v1).

    The public QDTrack TAO recipe (``tools/convert_datasets/tao2coco.py
    --filter-classes`` of SysCV/qdtrack) keeps the LVIS categories that
    occur in TAO: those of the annotations of ``train.json`` and
    ``validation.json`` and those listed by ``test_categories.json``. On
    TAO v1 these are 482 of the 1230 LVIS v0.5 categories. Merged
    categories count as the category they were merged into.

    Args:
        annotation_files (Iterable[str]): TAO (or CocoVID) files whose
            annotated categories count, e.g. ``train.json`` and
            ``validation.json``. The first one's categories give the names
            and the order (by id).
        category_files (Iterable[str]): Files whose ``categories`` all
            count, e.g. ``test_categories.json``. Defaults to ().

    Returns:
        list[str]: Category names, ordered by category id.

    Raises:
        AnnotationError: a file lacks ``categories`` or uses an id the first
            file does not define.
    """
    annotation_files = list(annotation_files)
    if not annotation_files:
        raise ValueError('tao_track_vocabulary needs at least one '
                         'annotation file')
    first = load_json(annotation_files[0])
    if not isinstance(first, dict) or not isinstance(
            first.get('categories'), list):
        raise AnnotationError(
            f'{annotation_files[0]}: missing list "categories"')
    names = {c['id']: c['name'] for c in first['categories']}
    merge = category_merge_map(first['categories'])
    used = set()

    def add(cat_id, source):
        cat_id = merge.get(cat_id, cat_id)
        if cat_id not in names:
            raise AnnotationError(
                f'{source}: category id {cat_id} is not a category of '
                f'{annotation_files[0]}')
        used.add(cat_id)

    for k, path in enumerate(annotation_files):
        data = first if k == 0 else load_json(path)
        anns = data.get('annotations') if isinstance(data, dict) else None
        if not isinstance(anns, list):
            raise AnnotationError(f'{path}: missing list "annotations"')
        for ann in anns:
            add(ann['category_id'], path)
    for path in category_files:
        data = load_json(path)
        cats = data.get('categories') if isinstance(data, dict) else None
        if not isinstance(cats, list):
            raise AnnotationError(f'{path}: missing list "categories"')
        for cat in cats:
            add(cat['id'], path)
    return [names[i] for i in sorted(used)]


@DATASETS.register_module()
class TAODataset(CocoVideoDataset):
    """TAO videos, read from TAO's own JSON or from its CocoVID conversion.

    Without ``metainfo=dict(classes=...)`` the classes are all categories of
    the annotation file in id order, so the 1230 LVIS names need not be
    spelled out in configs. Video entries keep ``neg_category_ids`` and
    ``not_exhaustive_category_ids``; :attr:`federated_labels` maps each video
    name to them.

    Args:
        *args, **kwargs: See :class:`CocoVideoDataset`.
    """

    def _read_json(self) -> dict:
        with get_local_path(self.ann_file) as local_path:
            raw = load_json(local_path)
        data = load_as_cocovid(raw, self.ann_file)
        if self._metainfo.get('classes') is None:
            cats = sorted(data['categories'], key=lambda c: c['id'])
            self._metainfo['classes'] = tuple(c['name'] for c in cats)
        self.federated_labels = {
            v['name']: {k: list(v.get(k) or [])
                        for k in _FEDERATED_KEYS}
            for v in data['videos']
        }
        return data
