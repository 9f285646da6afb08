"""Class-agnostic proposals stored as a COCO JSON file.

The file is what MASA trains on: ``images`` (``id``, ``file_name``
relative to the dataset root, ``height``, ``width``), ``annotations`` (one
per proposal: ``id`` = ``instance_id`` unique and positive, ``image_id``,
``category_id`` 1, ``bbox`` ``[x, y, w, h]``, ``area``, ``score``,
``iscrowd`` 0 and, when the source gives one, an RLE ``segmentation``) and
one category ``{'id': 1, 'name': 'object'}``. ``info.proposals`` records the
source and its settings, so that a resumed run cannot mix two sources.
"""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from qdtrack.utils.io import atomic_write_json

CATEGORY = {'id': 1, 'name': 'object'}


@dataclass
class Proposal:
    """One class-agnostic object proposal.

    Attributes:
        bbox (np.ndarray): ``x1, y1, x2, y2`` (4, ), pixel edges (a mask
            covering columns 3..5 has ``x1 = 3, x2 = 6``).
        score (float): Higher is more object-like.
        mask (np.ndarray, optional): Binary mask (H, W) of the image.
    """

    bbox: np.ndarray
    score: float
    mask: Optional[np.ndarray] = None


def mask_to_box(mask: np.ndarray) -> np.ndarray:
    """Tight box ``x1, y1, x2, y2`` (4, ) float32 of a (H, W) mask."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1],
                    dtype=np.float32)


def encode_mask(mask: np.ndarray) -> dict:
    """COCO compressed RLE of a binary mask (H, W), JSON-ready."""
    from pycocotools import mask as mask_utils
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    return rle


class ProposalFileError(ValueError):
    """A proposal file that is malformed or made with other settings."""


class ProposalFile:
    """A resumable COCO JSON of proposals, written atomically.

    Args:
        path (str): The JSON file. If it exists, its images count as done
            and new images are appended after them.
        source (dict): The source name and settings, stored in
            ``info.proposals``. Resuming a file made with different
            settings raises :class:`ProposalFileError`.
    """

    def __init__(self, path: str, source: dict) -> None:
        self.path = path
        self.source = json.loads(json.dumps(source))  # JSON-normalised
        if osp.exists(path):
            self.data = self._load(path)
            stored = self.data.get('info', {}).get('proposals')
            if stored != self.source:
                raise ProposalFileError(
                    f'{path}: made with {stored}, not {self.source}; '
                    'delete it or write to another file')
        else:
            self.data = dict(info=dict(proposals=self.source), images=[],
                             annotations=[], categories=[dict(CATEGORY)])
        self._done = {img['file_name'] for img in self.data['images']}
        self._next_image_id = 1 + max(
            (img['id'] for img in self.data['images']), default=0)
        self._next_ann_id = 1 + max(
            (ann['id'] for ann in self.data['annotations']), default=0)

    @staticmethod
    def _load(path: str) -> dict:
        try:
            with open(path, encoding='utf-8') as f:
                data = json.load(f)
        except json.JSONDecodeError as e:
            raise ProposalFileError(f'{path}: not valid JSON ({e})') from e
        for key in ('images', 'annotations', 'categories'):
            if not isinstance(data.get(key), list):
                raise ProposalFileError(f'{path}: missing list "{key}"')
        return data

    def __contains__(self, file_name: str) -> bool:
        return file_name in self._done

    def __len__(self) -> int:
        return len(self.data['images'])

    def add(self, file_name: str, height: int, width: int,
            proposals: List[Proposal]) -> int:
        """Record one image and its proposals.

        Args:
            file_name (str): Image path relative to the dataset root.
            height (int): Image height.
            width (int): Image width.
            proposals (list[Proposal]): The image's proposals.

        Returns:
            int: The new image id.
        """
        if file_name in self._done:
            raise ProposalFileError(f'{self.path}: {file_name} is already in')
        image_id = self._next_image_id
        self._next_image_id += 1
        self.data['images'].append(dict(
            id=image_id, file_name=file_name, height=int(height),
            width=int(width)))
        for prop in proposals:
            x1, y1, x2, y2 = (float(v) for v in prop.bbox)
            ann = dict(
                id=self._next_ann_id, instance_id=self._next_ann_id,
                image_id=image_id, category_id=CATEGORY['id'],
                bbox=[x1, y1, x2 - x1, y2 - y1],
                area=float(prop.mask.sum() if prop.mask is not None else
                           (x2 - x1) * (y2 - y1)),
                score=float(prop.score), iscrowd=0)
            if prop.mask is not None:
                ann['segmentation'] = encode_mask(prop.mask)
            self.data['annotations'].append(ann)
            self._next_ann_id += 1
        self._done.add(file_name)
        return image_id

    def save(self) -> None:
        """Write the file atomically (readers never see a partial file)."""
        atomic_write_json(self.path, self.data, indent=None)

    def counts(self) -> Dict[str, int]:
        """Numbers of images and proposals so far."""
        return dict(images=len(self.data['images']),
                    proposals=len(self.data['annotations']))
