"""Video dataset over CocoVID JSON files (see ``docs/data_formats.md``)."""
import copy
import json
import os.path as osp
import warnings
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmdet.datasets import BaseVideoDataset
from mmengine.fileio import get_local_path

from qdtrack.registry import DATASETS

_REQUIRED_KEYS = {
    'images': ('id', 'file_name', 'height', 'width'),
    'annotations': ('id', 'image_id', 'category_id', 'bbox'),
    'categories': ('id', 'name'),
}


class AnnotationError(ValueError):
    """A malformed annotation file; the message names the file and record."""


@DATASETS.register_module()
class CocoVideoDataset(BaseVideoDataset):
    """Videos stored as CocoVID JSON.

    Compared with mmdet's ``BaseVideoDataset`` it

    - orders the frames of a video by ``frame_id`` (mmdet uses image ids);
    - keeps ``instance_id`` 0 (mmdet replaces falsy ids by the annotation
      index, silently merging or splitting identities);
    - records each frame's ``video_name`` (writers and metrics name
      sequences after it) and ``mot_frame_id`` (1-based frame number in the
      source files);
    - optionally attaches given boxes (public detections) to every frame
      as ``public_detections``: a MOT17 ``det/det.txt`` per video, or a
      COCO detection results JSON (any detector's boxes);
    - reports malformed files with the file name and the offending record;
    - in test mode, reads a ``(video, frame)`` item in time independent of
      the video's length: mmdet unpickles (or deep-copies) the record of
      the whole video for every frame, which makes testing a video
      quadratic in its length (0.4 s of data time per frame at 2,000
      frames); here the last video's record is kept and only the frame's
      own record is copied.

    Args:
        public_det_file (str, optional): File of given boxes, chosen by its
            extension: ``.txt``, a MOT17 ``det.txt`` (frames matched by
            ``mot_frame_id``); ``.json``, COCO detection results (matched
            by image id; see :mod:`qdtrack.datasets.coco_results`). It is a
            template formatted with ``video`` (the video name), e.g.
            ``'val/{video}/det/det.txt'``; a JSON may also be one file for
            all videos. Relative paths are joined with ``data_root``.
            Defaults to None.
        public_det_score_thr (float): Given boxes scoring below are
            dropped. Defaults to -inf (keep all).
        with_ignore (bool): Keep annotations flagged ``ignore`` or
            ``iscrowd`` as ignore regions (``ignore_flag=1``; mmdet's
            ``PackTrackInputs`` puts them in ``ignored_instances``, which
            the assigners skip with ``ignore_iof_thr``). False drops them
            (what training saw before MOT17 ignore regions existed).
            Defaults to True.
        public_det_cat_ids (Sequence[int] | str, optional): COCO results
            only: keep the boxes of these category ids (e.g. ``(1, )``,
            COCO's person), or ``'dataset'``: of the categories that are
            classes of this dataset (e.g. an LVIS detector's boxes on the
            482 TAO classes). Defaults to None (keep all).
        public_det_labels (bool): COCO results only: also attach each given
            box's class index (its ``category_id`` through the dataset's
            classes) as ``public_det_labels`` (K, ) int64, which
            :func:`~qdtrack.models.mot.given_observations.given_observations`
            passes to the tracker (TAO, multi-class BDD100K). A box of a
            category that is not a class is an error (select the classes
            with ``public_det_cat_ids``). Defaults to False.
        *args, **kwargs: See :class:`mmdet.datasets.BaseVideoDataset`.
    """

    def __init__(self,
                 *args,
                 public_det_file: Optional[str] = None,
                 public_det_score_thr: float = -np.inf,
                 with_ignore: bool = True,
                 public_det_cat_ids: Optional[Union[Sequence[int],
                                                    str]] = None,
                 public_det_labels: bool = False,
                 **kwargs) -> None:
        self.public_det_file = public_det_file
        self.public_det_score_thr = public_det_score_thr
        self.with_ignore = with_ignore
        if isinstance(public_det_cat_ids, str):
            if public_det_cat_ids != 'dataset':
                raise ValueError(
                    "public_det_cat_ids must be category ids or 'dataset', "
                    f'got {public_det_cat_ids!r}')
        elif public_det_cat_ids is not None:
            public_det_cat_ids = tuple(public_det_cat_ids)
        self.public_det_cat_ids = public_det_cat_ids
        self.public_det_labels = bool(public_det_labels)
        self._given_files: Dict[str, tuple] = {}
        self._test_video: Optional[Tuple[int, dict]] = None
        super().__init__(*args, **kwargs)

    def prepare_data(self, idx):
        """Pipeline input of a video or, in test mode, of one frame.

        A ``(video index, frame index)`` pair in test mode gives what
        mmdet's ``BaseVideoDataset.prepare_data`` gives (each frame key as
        a one-item list, plus ``ori_video_length`` and ``video_length``),
        reading the video's record once per video instead of once per
        frame.
        """
        if not (self.test_mode and isinstance(idx, tuple)):
            return super().prepare_data(idx)
        video_idx, frame_idx = idx
        if self._test_video is None or self._test_video[0] != video_idx:
            self._test_video = (video_idx, self.get_data_info(video_idx))
        video = self._test_video[1]
        frame = copy.deepcopy(video['images'][frame_idx])
        frame['video_id'] = video['video_id']
        data = defaultdict(list, {k: [v] for k, v in frame.items()})
        data['ori_video_length'] = [video['video_length']]
        data['video_length'] = [1]
        return self.pipeline(data)

    # ------------------------------------------------------------------ load
    def _read_json(self) -> dict:
        with get_local_path(self.ann_file) as local_path:
            if not osp.isfile(local_path):
                raise FileNotFoundError(
                    f'annotation file not found: {self.ann_file}')
            try:
                with open(local_path, encoding='utf-8') as f:
                    data = json.load(f)
            except json.JSONDecodeError as e:
                raise AnnotationError(
                    f'{self.ann_file}: not valid JSON ({e})') from e
        for section, keys in _REQUIRED_KEYS.items():
            records = data.get(section)
            if not isinstance(records, list):
                raise AnnotationError(
                    f'{self.ann_file}: missing list "{section}"')
            for i, rec in enumerate(records):
                missing = [k for k in keys if k not in rec]
                if missing:
                    raise AnnotationError(
                        f'{self.ann_file}: {section}[{i}] (id '
                        f'{rec.get("id")}) lacks {", ".join(missing)}')
        return data

    def load_data_list(self) -> List[dict]:
        """Load the videos of ``self.ann_file``.

        Returns:
            list[dict]: One dict per video with ``video_id``, ``video_name``,
            ``video_length`` and ``images`` (per-frame data infos ordered by
            ``frame_id``).
        """
        data = self._read_json()
        name_to_cat = {c['name']: c['id'] for c in data['categories']}
        classes = self.metainfo['classes']
        unknown = [c for c in classes if c not in name_to_cat]
        if unknown:
            raise AnnotationError(
                f'{self.ann_file}: classes {unknown} of the dataset config '
                f'are not among its categories {sorted(name_to_cat)}')
        self.cat_ids = [name_to_cat[c] for c in classes]
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}

        ann_ids = [a['id'] for a in data['annotations']]
        if len(set(ann_ids)) != len(ann_ids):
            raise AnnotationError(
                f'{self.ann_file}: annotation ids are not unique')
        self._check_references(data)
        anns_per_img = defaultdict(list)
        for ann in data['annotations']:
            anns_per_img[ann['image_id']].append(ann)

        video_names = {v['id']: v.get('name', str(v['id']))
                       for v in data.get('videos', [])}
        self.cat_img_map = defaultdict(list)
        self.img_ids_with_ann = set()
        videos: Dict[int, dict] = {}
        single_video_id = 1 << 30
        for img in data['images']:
            if 'video_id' in img:
                video_id = img['video_id']
            else:  # a still image is a video of one frame
                single_video_id += 1
                video_id = single_video_id
            video = videos.setdefault(video_id, dict(
                video_id=video_id,
                video_name=video_names.get(video_id, str(video_id)),
                images=[]))
            info = self.parse_data_info(
                dict(raw_img_info=img, raw_ann_info=anns_per_img[img['id']]))
            info['video_name'] = video['video_name']
            for cat in {a['category_id'] for a in anns_per_img[img['id']]}:
                self.cat_img_map[cat].append(img['id'])
            if info['instances']:
                self.img_ids_with_ann.add(img['id'])
            video['images'].append(info)

        data_list = []
        self._given_files = {}
        for video in videos.values():
            frames = video['images']
            frames.sort(key=lambda f: f.get('frame_id', 0))
            seen = [f.get('frame_id') for f in frames]
            if any(fid is None for fid in seen) and len(frames) > 1:
                raise AnnotationError(
                    f'{self.ann_file}: video "{video["video_name"]}" has '
                    'images without "frame_id"')
            if len(set(seen)) != len(seen):
                raise AnnotationError(
                    f'{self.ann_file}: video "{video["video_name"]}" has '
                    'repeated frame_id values')
            for pos, frame in enumerate(frames):
                frame.setdefault('frame_id', 0)
                frame.setdefault('mot_frame_id', frame['frame_id'] + 1)
                frame['frame_index'] = pos
            video['video_length'] = len(frames)
            if self.public_det_file is not None:
                self._attach_public_detections(video)
            data_list.append(video)
        if self.public_det_file is not None:
            self._check_given_image_ids(data['images'])
        self._given_files = {}
        return data_list

    def _check_references(self, data: dict) -> None:
        """Every annotation's category and image, every video image's video.

        A category id missing from ``categories`` (e.g. ids shifted by one)
        would otherwise drop the annotation silently; an image without
        ``video_id`` in a file with videos would become a one-frame video
        with an invented name.
        """
        cat_ids = {c['id'] for c in data['categories']}
        img_ids = {img['id'] for img in data['images']}
        for i, ann in enumerate(data['annotations']):
            if ann['category_id'] not in cat_ids:
                raise AnnotationError(
                    f'{self.ann_file}: annotations[{i}] (id {ann["id"]}, '
                    f'image {ann["image_id"]}) has category_id '
                    f'{ann["category_id"]}, which is not among the ids of '
                    f'"categories" {sorted(cat_ids)}')
            if ann['image_id'] not in img_ids:
                raise AnnotationError(
                    f'{self.ann_file}: annotations[{i}] (id {ann["id"]}) '
                    f'refers to image_id {ann["image_id"]}, which is not '
                    'in "images"')
        video_ids = {v['id'] for v in data.get('videos') or []}
        if not video_ids:
            return  # still images: each is a video of one frame
        for i, img in enumerate(data['images']):
            if 'video_id' not in img:
                raise AnnotationError(
                    f'{self.ann_file}: images[{i}] (id {img["id"]}, '
                    f'{img["file_name"]}) has no "video_id" although the '
                    'file has "videos"')
            if img['video_id'] not in video_ids:
                raise AnnotationError(
                    f'{self.ann_file}: images[{i}] (id {img["id"]}, '
                    f'{img["file_name"]}) has video_id {img["video_id"]}, '
                    f'which is not among the ids of "videos"')

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Turn one image record and its annotations into a data info.

        Args:
            raw_data_info (dict): ``raw_img_info`` and ``raw_ann_info``.

        Returns:
            dict: image fields, ``img_id``, ``img_path`` and ``instances``
            (``bbox`` xyxy, ``bbox_label``, ``instance_id``,
            ``ignore_flag``).
        """
        img = dict(raw_data_info['raw_img_info'])
        img['img_id'] = img['id']
        prefix = self.data_prefix.get('img_path')
        img['img_path'] = (osp.join(prefix, img['file_name'])
                           if prefix else img['file_name'])
        instances = []
        for ann in raw_data_info['raw_ann_info']:
            if ann['category_id'] not in self.cat2label:
                continue
            x, y, w, h = ann['bbox']
            if not np.all(np.isfinite([x, y, w, h])):
                raise AnnotationError(
                    f'{self.ann_file}: annotation {ann["id"]} has a '
                    f'non-finite bbox {ann["bbox"]}')
            inter_w = min(x + w, img['width']) - max(x, 0)
            inter_h = min(y + h, img['height']) - max(y, 0)
            if w < 1 or h < 1 or inter_w <= 0 or inter_h <= 0:
                continue
            ignore = bool(ann.get('ignore', 0) or ann.get('iscrowd', 0))
            if ignore and not self.with_ignore:
                continue
            instances.append(dict(
                bbox=[x, y, x + w, y + h],
                bbox_label=self.cat2label[ann['category_id']],
                instance_id=int(ann.get('instance_id', ann['id'])),
                ignore_flag=int(ignore)))
        img['instances'] = instances
        return img

    def _attach_public_detections(self, video: dict) -> None:
        """Attach the video's given boxes as ``public_detections``.

        Each frame gets an array (K, 5) of ``x1, y1, x2, y2, score`` in the
        coordinates of the original image and, with ``public_det_labels``,
        their class indices ``public_det_labels`` (K, ).
        """
        path = self.public_det_file.format(video=video['video_name'])
        if self.data_root and not osp.isabs(path):
            path = osp.join(self.data_root, path)
        if path not in self._given_files:
            self._given_files[path] = self._read_given_boxes(path)
        frame_key, keys, boxes, labels = self._given_files[path]
        if not len(boxes) and frame_key == 'mot_frame_id':
            problem = ('empty detection file'
                       if self.public_det_score_thr == -np.inf else
                       f'no detection scores >= {self.public_det_score_thr}')
            warnings.warn(f'{path}: {problem}; video '
                          f'{video["video_name"]} gets no public detections',
                          stacklevel=2)
        for frame in video['images']:
            here = keys == frame[frame_key]
            frame['public_detections'] = boxes[here]
            if labels is not None:
                frame['public_det_labels'] = labels[here]

    def _read_given_boxes(self, path: str) -> tuple:
        """Read a file of given boxes, in either format.

        Returns:
            tuple: The frame field the boxes are matched by
            (``'mot_frame_id'`` or ``'img_id'``), its value per box (K, ),
            the boxes (K, 5) ``x1, y1, x2, y2, score`` (float32), filtered
            by score and category, and their class indices (K, ) int64
            (None without ``public_det_labels``).
        """
        ext = osp.splitext(path)[1].lower()
        if ext == '.json':
            from .coco_results import read_coco_det
            rows = read_coco_det(path)
            frame_key, cats = 'img_id', rows[:, 1].astype(np.int64)
            keys, xywh, scores = rows[:, 0], rows[:, 2:6], rows[:, 6]
        elif ext == '.txt':
            for name in ('public_det_cat_ids', 'public_det_labels'):
                if getattr(self, name):
                    raise ValueError(
                        f'{path}: {name} needs COCO results (.json); a MOT '
                        'det.txt has no category column')
            from .mot_files import read_mot_det
            rows = read_mot_det(path)
            frame_key, cats = 'mot_frame_id', None
            keys, xywh, scores = rows[:, 0], rows[:, 2:6], rows[:, 6]
        else:
            raise ValueError(
                f'{path}: public_det_file must be a MOT det.txt (.txt) or '
                f'COCO detection results (.json), got "{ext}"')
        keep = scores >= self.public_det_score_thr
        if cats is not None and self.public_det_cat_ids is not None:
            wanted = (self.cat_ids if self.public_det_cat_ids == 'dataset'
                      else self.public_det_cat_ids)
            keep &= np.isin(cats, wanted)
        boxes = np.concatenate([
            xywh[:, :2], xywh[:, :2] + xywh[:, 2:], scores[:, None]
        ], axis=1)[keep].astype(np.float32)
        labels = None
        if self.public_det_labels:
            cats = cats[keep]
            unknown = np.unique(cats[~np.isin(cats, self.cat_ids)])
            if len(unknown):
                raise AnnotationError(
                    f'{path}: category_id {unknown[:10].tolist()} of given '
                    f'boxes are not classes of {self.ann_file} '
                    f'({len(unknown)} such ids); keep the classes with '
                    "public_det_cat_ids='dataset' or a list of ids")
            lut = dict(self.cat2label)
            labels = np.array([lut[c] for c in cats.tolist()],
                              dtype=np.int64)
        return frame_key, keys[keep].astype(np.int64), boxes, labels

    def _check_given_image_ids(self, images: List[dict]) -> None:
        """COCO results must refer to images of this annotation file."""
        known = np.array([img['id'] for img in images], dtype=np.int64)
        for path, (frame_key, keys, *_) in self._given_files.items():
            if frame_key != 'img_id':
                continue
            unknown = keys[~np.isin(keys, known)]
            if len(unknown):
                raise AnnotationError(
                    f'{path}: image_id {int(unknown[0])} is not an image of '
                    f'{self.ann_file} ({len(np.unique(unknown))} unknown '
                    'image ids): were the results computed on another '
                    'annotation file?')
