"""ReID dataset of boxes in video frames (SimpleReID pseudo-labels)."""
import os.path as osp
from typing import List

import numpy as np
from mmdet.datasets import ReIDDataset
from mmengine.dataset import BaseDataset

from qdtrack.registry import DATASETS

_REQUIRED = ('img_path', 'bbox', 'gt_label')


@DATASETS.register_module()
class PseudoReIDDataset(ReIDDataset):
    """mmdet's ``ReIDDataset`` over boxes of frames instead of crop files.

    Reads mmengine's JSON dataset format, ``{"metainfo": {...},
    "data_list": [...]}``, as written by ``tools/simplereid/pseudo_label.py``:
    one record per box with ``img_path`` (the frame), ``bbox``
    ``[x1, y1, x2, y2]`` and ``gt_label`` (identity, an int >= 0); other
    fields (``video``, ``frame_index``, ...) are kept. The pipeline cuts the
    crop (:class:`~qdtrack.datasets.transforms.CropBox`). mmdet's identity
    index (``index_dic``, ``pids``) and its optional ``triplet_sampler`` are
    inherited; P x K batches are better drawn by
    :class:`~qdtrack.datasets.PKSampler`.

    Args:
        **kwargs: See :class:`mmdet.datasets.ReIDDataset`
            (``ann_file``, ``data_root``, ``data_prefix=dict(img_path=...)``
            joined to each ``img_path``, ``pipeline``, ``test_mode``).
    """

    def load_data_list(self) -> List[dict]:
        """Load the records and build the identity index."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{self.ann_file}: ReID annotation file '
                                    'not found')
        try:
            data_list = BaseDataset.load_data_list(self)
        except (TypeError, ValueError) as err:
            raise ValueError(f'{self.ann_file}: not a ReID dataset JSON '
                             f'with "metainfo" and "data_list" ({err})'
                             ) from err
        if not data_list:
            raise ValueError(f'{self.ann_file}: no record in "data_list"')
        self._parse_ann_info(data_list)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Check one record, join the image prefix, label as int64."""
        missing = [k for k in _REQUIRED if k not in raw_data_info]
        if missing:
            raise ValueError(f'{self.ann_file}: record {raw_data_info} '
                             f'lacks {missing}')
        info = dict(raw_data_info)
        box = np.asarray(info['bbox'], dtype=np.float32)
        label = info['gt_label']
        if (box.shape != (4, ) or not np.isfinite(box).all()
                or box[2] <= box[0] or box[3] <= box[1]):
            raise ValueError(f'{self.ann_file}: bad bbox {info["bbox"]} '
                             f'(need [x1, y1, x2, y2], x2 > x1, y2 > y1) in '
                             f'record of {info["img_path"]}')
        if isinstance(label, bool) or not isinstance(label, int) or label < 0:
            raise ValueError(f'{self.ann_file}: gt_label must be an int >= '
                             f'0, got {label!r} ({info["img_path"]})')
        prefix = self.data_prefix.get('img_path')
        if prefix:
            info['img_path'] = osp.join(prefix, info['img_path'])
        info['bbox'] = box
        info['gt_label'] = np.array(label, dtype=np.int64)
        return info
