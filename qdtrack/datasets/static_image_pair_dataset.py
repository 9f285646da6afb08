"""Unlabeled still images with class-agnostic proposals, for MASA training.

Each item is one image of a COCO JSON (a proposal file written by
``tools/masa/make_proposals.py``, or any COCO / CocoVID file, whose videos,
frame order, categories and track ids are ignored) plus one other image of
the dataset to mix in. The pipeline (:class:`TwoViews`) turns it into two
augmented views, a key/reference frame pair in QDTrack's training format.
"""
import json
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmcv.transforms import Compose
from mmengine.dataset import BaseDataset
from mmengine.fileio import get_local_path

from qdtrack.registry import DATASETS


def best_annotations(anns: List[dict], max_instances: Optional[int],
                     area_weight: float = 0.0) -> List[dict]:
    """The ``max_instances`` COCO annotations of highest
    ``score * (w * h) ** area_weight`` (a missing score counts as 1), best
    first; all of them, in file order, when ``max_instances`` is None."""
    if max_instances is None:
        return list(anns)
    return sorted(anns, key=lambda a: -a.get('score', 1.0) * (
        a['bbox'][2] * a['bbox'][3])**area_weight)[:max_instances]


@DATASETS.register_module()
class StaticImagePairDataset(BaseDataset):
    """Still images seen twice; every proposal is an instance of its own.

    Instance ids are renumbered per item: the image's proposals get
    ``1..N`` (in file order) and the mixed-in image's ``N+1..N+M``, so ids
    never repeat within a pair (not even when the source file reuses track
    ids across frames) and no id is 0. All labels are 0 (class-agnostic).

    Args:
        ann_file (str): COCO JSON with ``images`` and ``annotations``
            (``bbox`` ``[x, y, w, h]``, optional ``score`` and RLE
            ``segmentation``).
        load_pipeline (list[dict]): Loads one image and its annotations
            (e.g. ``LoadImageFromFile`` + ``LoadTrackAnnotations``); run on
            the item's image and on the image mixed in.
        num_mix_images (int): 1 to load a random other image into
            ``results['mix_results']`` (for ``SharedImageMixUp``), 0 not to.
        score_thr (float, optional): Drop annotations scoring below.
        max_instances (int, optional): Keep at most this many annotations
            per image, ranked by ``score * area ** area_weight``.
        area_weight (float): Exponent of the box area in that ranking. 0
            (default) ranks by score alone; 0.5 ranks by score x sqrt(area),
            which prefers larger regions where the score favours small ones
            (the weight-free source's contrast; docs/masa_data.md).
        with_mask (bool): Pass the RLE masks on (an image's masks are used
            only when all its kept annotations have one).
        min_size (float): Drop boxes narrower or lower than this.
        **kwargs: See :class:`mmengine.dataset.BaseDataset` (``data_root``,
            ``data_prefix=dict(img_path=...)``, ``pipeline``, ...).
    """

    METAINFO = dict(classes=('object', ))

    def __init__(self,
                 *args,
                 load_pipeline: Sequence[dict] = (),
                 num_mix_images: int = 1,
                 score_thr: Optional[float] = None,
                 max_instances: Optional[int] = None,
                 area_weight: float = 0.0,
                 with_mask: bool = True,
                 min_size: float = 1.0,
                 **kwargs) -> None:
        if num_mix_images not in (0, 1):
            raise ValueError(f'num_mix_images is 0 or 1, got '
                             f'{num_mix_images}')
        self.num_mix_images = num_mix_images
        self.score_thr = score_thr
        if area_weight < 0:
            raise ValueError(f'area_weight is >= 0, got {area_weight}')
        self.max_instances = max_instances
        self.area_weight = area_weight
        self.with_mask = with_mask
        self.min_size = min_size
        self.load_pipeline = Compose(list(load_pipeline))
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One data info per image that has at least one annotation."""
        with get_local_path(self.ann_file) as path:
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'proposal file not found: {self.ann_file} (write it '
                    'with tools/masa/make_proposals.py)')
            try:
                with open(path, encoding='utf-8') as f:
                    data = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f'{self.ann_file}: not valid JSON ({e})'
                                 ) from e
        for key in ('images', 'annotations'):
            if not isinstance(data.get(key), list):
                raise ValueError(f'{self.ann_file}: missing list "{key}"')
        per_image = {}
        for i, ann in enumerate(data['annotations']):
            if 'image_id' not in ann or 'bbox' not in ann:
                raise ValueError(f'{self.ann_file}: annotations[{i}] lacks '
                                 'image_id or bbox')
            per_image.setdefault(ann['image_id'], []).append(ann)
        prefix = self.data_prefix.get('img_path', '')
        data_list = []
        for img in data['images']:
            anns = self._select(per_image.get(img['id'], []))
            if not anns:
                continue
            masks = self.with_mask and all(
                isinstance(a.get('segmentation'), dict) for a in anns)
            instances = []
            for ann in anns:
                x, y, w, h = (float(v) for v in ann['bbox'])
                inst = dict(bbox=[x, y, x + w, y + h], bbox_label=0,
                            ignore_flag=0)
                if masks:
                    inst['mask'] = ann['segmentation']
                instances.append(inst)
            data_list.append(dict(
                img_id=img['id'],
                img_path=osp.join(prefix, img['file_name']),
                height=img['height'], width=img['width'],
                instances=instances))
        return data_list

    def _select(self, anns: List[dict]) -> List[dict]:
        """The annotations of one image that are used, best first."""
        anns = [a for a in anns
                if a['bbox'][2] >= self.min_size
                and a['bbox'][3] >= self.min_size and not a.get('iscrowd')
                and (self.score_thr is None
                     or a.get('score', 1.0) >= self.score_thr)]
        return best_annotations(anns, self.max_instances, self.area_weight)

    def _load(self, idx: int, first_id: int) -> Optional[dict]:
        """Load image ``idx`` with instance ids ``first_id, first_id+1...``.
        """
        info = self.get_data_info(idx)
        for k, inst in enumerate(info['instances']):
            inst['instance_id'] = first_id + k
        return self.load_pipeline(info)

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Load image ``idx`` (and one other to mix in), run the pipeline."""
        results = self._load(idx, 1)
        if results is None:
            return None
        if self.num_mix_images and len(self) > 1:
            other = (idx + np.random.randint(1, len(self))) % len(self)
            first = int(np.max(results['gt_instances_ids'], initial=0)) + 1
            mix = self._load(other, first)
            if mix is not None:
                results['mix_results'] = [mix]
                results['mix_img_path'] = mix['img_path']
        return self.pipeline(results)
