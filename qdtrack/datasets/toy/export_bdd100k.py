"""Export a CocoVID dataset (e.g. the toy benchmark) in the BDD100K layout.

Writes what the BDD100K box-tracking tools expect::

    <out_root>/labels/box_track_20/<split>/<video>.json   scalabel frames
    <out_root>/images/track/<split>/<video>/<video>-<frame:07d>.jpg

so that the official toolkit, TrackEval's ``BDD100K`` dataset and our own
converter / evaluator can run on small synthetic data. Frames are numbered
by their position in the video (``frameIndex`` from 0, file names from 1);
boxes become inclusive corners, ``x2 = x + w - 1`` (the inverse of
:func:`qdtrack.datasets.bdd100k.box2d_to_xywh`); annotations with
``ignore`` or ``iscrowd`` set get ``crowd: true``.
"""
import json
import os
import os.path as osp
import shutil
from collections import defaultdict
from typing import Dict, Optional

import cv2
from tqdm import tqdm

from qdtrack.datasets.bdd100k import (
    BDD100K_CLASSES,
    ScalabelFormatError,
    map_bdd100k_category,
)
from qdtrack.utils.io import atomic_write_json


def _category_names(coco: dict, ann_file: str,
                    category_map: Optional[Dict[str, str]]) -> Dict[int, str]:
    category_map = category_map or {}
    names = {}
    for cat in coco['categories']:
        name = category_map.get(cat['name'], cat['name'])
        if map_bdd100k_category(name) is None:
            raise ScalabelFormatError(
                f'{ann_file}: category {cat["name"]!r} (id {cat["id"]}) has '
                f'no BDD100K name; pass category_map={{{cat["name"]!r}: ...}}'
                f' with one of {", ".join(BDD100K_CLASSES)} or an ignored '
                'class such as "other vehicle"')
        names[cat['id']] = name
    return names


def _copy_image(src: str, dst: str) -> None:
    os.makedirs(osp.dirname(dst), exist_ok=True)
    if src.lower().endswith(('.jpg', '.jpeg')):
        shutil.copyfile(src, dst)
        return
    img = cv2.imread(src)
    if img is None or not cv2.imwrite(dst, img):
        raise OSError(f'cannot convert {src} to {dst}')


def export_cocovid_as_bdd100k(ann_file: str,
                              out_root: str,
                              split: str,
                              img_root: Optional[str] = None,
                              category_map: Optional[Dict[str, str]] = None,
                              progress: bool = True) -> Dict[str, str]:
    """Write a CocoVID JSON and its images as a BDD100K box-tracking split.

    Args:
        ann_file (str): CocoVID JSON (see ``docs/data_formats.md``).
        out_root (str): Root of the BDD100K layout to write.
        split (str): Split name, e.g. ``'val'``.
        img_root (str, optional): Folder the images' ``file_name`` is
            relative to. None writes labels only. Defaults to None.
        category_map (dict[str, str], optional): CocoVID category name to a
            BDD100K name (one of the 8 classes, a renamed name like
            ``person`` or an ignored one like ``other vehicle``). Names
            already valid need no entry. Defaults to None.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict[str, str]: ``labels`` (folder of per-video JSON files) and
        ``images`` (image folder of the split).

    Raises:
        ScalabelFormatError: A category without a BDD100K name, an
            annotation on an unknown image, or a missing image file.
    """
    with open(ann_file, encoding='utf-8') as f:
        coco = json.load(f)
    cat_names = _category_names(coco, ann_file, category_map)
    label_dir = osp.join(out_root, 'labels', 'box_track_20', split)
    image_dir = osp.join(out_root, 'images', 'track', split)
    videos = {v['id']: v['name'] for v in coco.get('videos', [])}
    images_per_video = defaultdict(list)
    for img in coco['images']:
        if img.get('video_id') not in videos:
            raise ScalabelFormatError(
                f'{ann_file}: image {img["id"]} ({img.get("file_name")}) '
                f'has no known video_id ({img.get("video_id")})')
        images_per_video[img['video_id']].append(img)
    anns_per_image = defaultdict(list)
    image_ids = {img['id'] for img in coco['images']}
    for ann in coco['annotations']:
        if ann['image_id'] not in image_ids:
            raise ScalabelFormatError(
                f'{ann_file}: annotation {ann["id"]} refers to unknown image '
                f'{ann["image_id"]}')
        anns_per_image[ann['image_id']].append(ann)

    for video_id, video_name in tqdm(sorted(videos.items()),
                                     desc=f'exporting {split}',
                                     disable=not progress):
        frames = []
        images = sorted(images_per_video[video_id],
                        key=lambda img: img.get('frame_id', 0))
        for index, img in enumerate(images):
            name = f'{video_name}-{index + 1:07d}.jpg'
            labels = []
            for ann in anns_per_image[img['id']]:
                x, y, w, h = (float(v) for v in ann['bbox'])
                track_id = ann.get('instance_id', ann['id'])
                labels.append(dict(
                    id=str(track_id),
                    category=cat_names[ann['category_id']],
                    attributes=dict(
                        occluded=False, truncated=False,
                        crowd=bool(ann.get('ignore', 0)
                                   or ann.get('iscrowd', 0))),
                    box2d=dict(x1=x, y1=y, x2=x + w - 1, y2=y + h - 1)))
            frames.append(dict(name=name, videoName=video_name,
                               frameIndex=index, labels=labels))
            if img_root is not None:
                src = osp.join(img_root, img['file_name'])
                if not osp.isfile(src):
                    raise ScalabelFormatError(
                        f'{ann_file}: image {img["id"]} of video '
                        f'{video_name}: file not found {src}')
                _copy_image(src, osp.join(image_dir, video_name, name))
        atomic_write_json(osp.join(label_dir, f'{video_name}.json'), frames)
    return dict(labels=label_dir, images=image_dir)
