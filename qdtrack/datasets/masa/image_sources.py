"""Where unlabeled images come from: a folder, a COCO JSON, or a video.

Each source yields image paths relative to a dataset root, the form the
proposal file stores. Video frames are sampled sparsely and written as JPEG
files first (the training dataset reads images from disk).
"""
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional

import cv2

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm')


@dataclass
class ImageList:
    """Images to propose on.

    Attributes:
        root (str): The dataset root the names are relative to.
        names (list[str]): Image paths relative to ``root`` (``/``-joined).
        image_ids (list[int], optional): The ids of a COCO JSON source.
    """

    root: str
    names: List[str]
    image_ids: Optional[List[int]] = None

    def every(self, step: int) -> 'ImageList':
        """Every ``step``-th image (the 1st, the ``step + 1``-th, ...)."""
        if step < 1:
            raise ValueError(f'every must be >= 1, got {step}')
        ids = None if self.image_ids is None else self.image_ids[::step]
        return ImageList(self.root, self.names[::step], ids)


def images_in_folder(folder: str, root: Optional[str] = None) -> ImageList:
    """All images under ``folder`` (recursive, sorted by path)."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder not found: {folder}')
    root = folder if root is None else root
    paths = []
    for cur, dirs, files in os.walk(folder):
        dirs.sort()
        paths += [osp.join(cur, f) for f in sorted(files)
                  if f.lower().endswith(IMAGE_EXTS)]
    if not paths:
        raise ValueError(f'{folder}: no images ({", ".join(IMAGE_EXTS)})')
    return ImageList(root, [_relative(p, root) for p in paths])


def images_in_coco_json(ann_file: str,
                        root: Optional[str] = None) -> ImageList:
    """The images listed in a COCO or CocoVID JSON, as independent images.

    Videos, frame ids and annotations are ignored: only ``file_name`` and
    ``id`` are read.

    Args:
        ann_file (str): The JSON file.
        root (str, optional): The folder ``file_name`` is relative to.
            Defaults to the folder above the JSON's folder (the mmdet
            layout ``<root>/annotations/*.json``).
    """
    try:
        with open(ann_file, encoding='utf-8') as f:
            data = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f'image list not found: {ann_file}') from None
    except json.JSONDecodeError as e:
        raise ValueError(f'{ann_file}: not valid JSON ({e})') from e
    images = data.get('images') if isinstance(data, dict) else None
    if not images:
        raise ValueError(f'{ann_file}: no "images" list')
    if root is None:
        root = osp.dirname(osp.dirname(osp.abspath(ann_file)))
    names = [img['file_name'] for img in images]
    first = osp.join(root, names[0])
    if not osp.isfile(first):
        raise FileNotFoundError(
            f'{ann_file}: image {names[0]} not found under {root} '
            '(pass the dataset root)')
    return ImageList(root, names, [img['id'] for img in images])


def sample_video(video: str, out_dir: str, every: int,
                 root: Optional[str] = None,
                 max_side: Optional[int] = None) -> ImageList:
    """Write every ``every``-th frame of a video as a JPEG file.

    Frames are named ``<video stem>_<frame index:06d>.jpg``; frames already
    written are not decoded again into files.

    Args:
        video (str): The video file.
        out_dir (str): Folder for the frames.
        every (int): Keep frames 0, every, 2 * every, ...
        root (str, optional): The root the names are relative to. Defaults
            to ``out_dir``.
        max_side (int, optional): Frames larger than this (longest side)
            are shrunk to it (area interpolation) before writing.
    """
    if every < 1:
        raise ValueError(f'every must be >= 1, got {every}')
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise ValueError(f'{video}: cannot be read as a video')
    os.makedirs(out_dir, exist_ok=True)
    root = out_dir if root is None else root
    stem = osp.splitext(osp.basename(video))[0]
    names, index = [], 0
    try:
        while True:
            ok = cap.grab()
            if not ok:
                break
            if index % every == 0:
                path = osp.join(out_dir, f'{stem}_{index:06d}.jpg')
                if not osp.isfile(path):
                    ok, frame = cap.retrieve()
                    if not ok:
                        raise ValueError(f'{video}: frame {index} unreadable')
                    frame = _shrink(frame, max_side)
                    if not cv2.imwrite(path, frame):
                        raise OSError(f'cannot write {path}')
                names.append(_relative(path, root))
            index += 1
    finally:
        cap.release()
    if not names:
        raise ValueError(f'{video}: no frames decoded')
    return ImageList(root, names)


def _shrink(img, max_side: Optional[int]):
    h, w = img.shape[:2]
    if max_side is None or max(h, w) <= max_side:
        return img
    f = max_side / max(h, w)
    return cv2.resize(img, (round(w * f), round(h * f)),
                      interpolation=cv2.INTER_AREA)


def _relative(path: str, root: str) -> str:
    rel = osp.relpath(path, root)
    if rel.startswith('..'):
        raise ValueError(f'{path} is not under the dataset root {root}')
    return rel.replace(os.sep, '/')
