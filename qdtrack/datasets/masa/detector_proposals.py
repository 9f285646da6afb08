"""Proposals taken from any detector's COCO results file."""
import json
from collections import defaultdict
from typing import Dict, List

import numpy as np

from .proposal_file import Proposal


class DetectorResultProposals:
    """Class-agnostic proposals from a COCO results JSON.

    The results file is a list of ``{'image_id', 'bbox': [x, y, w, h],
    'score', ...}`` records (optionally with an RLE ``segmentation``);
    categories are ignored.

    Args:
        results_file (str): The COCO results JSON.
        score_thr (float): Detections scoring below are dropped.
        max_per_image (int): Keep at most this many per image, best first.
    """

    def __init__(self, results_file: str, score_thr: float = 0.3,
                 max_per_image: int = 200) -> None:
        self.results_file = results_file
        self.score_thr = score_thr
        self.max_per_image = max_per_image
        try:
            with open(results_file, encoding='utf-8') as f:
                records = json.load(f)
        except FileNotFoundError:
            raise FileNotFoundError(
                f'detector results not found: {results_file}') from None
        except json.JSONDecodeError as e:
            raise ValueError(f'{results_file}: not valid JSON ({e})') from e
        if not isinstance(records, list):
            raise ValueError(f'{results_file}: a COCO results file is a '
                             'list of detections')
        self._by_image: Dict[int, list] = defaultdict(list)
        for i, rec in enumerate(records):
            missing = [k for k in ('image_id', 'bbox', 'score')
                       if k not in rec]
            if missing:
                raise ValueError(f'{results_file}: record {i} lacks '
                                 f'{", ".join(missing)}')
            if rec['score'] >= score_thr:
                self._by_image[rec['image_id']].append(rec)

    def settings(self) -> dict:
        """The source name and settings (stored in the proposal file)."""
        return dict(source='coco-results', results_file=self.results_file,
                    score_thr=self.score_thr,
                    max_per_image=self.max_per_image)

    def __call__(self, image_id: int) -> List[Proposal]:
        """The proposals of one image id, by decreasing score."""
        from pycocotools import mask as mask_utils
        recs = sorted(self._by_image.get(image_id, []),
                      key=lambda r: -r['score'])[:self.max_per_image]
        proposals = []
        for rec in recs:
            x, y, w, h = (float(v) for v in rec['bbox'])
            if w <= 0 or h <= 0:
                continue
            mask = None
            seg = rec.get('segmentation')
            if isinstance(seg, dict) and 'counts' in seg:
                mask = mask_utils.decode(seg).astype(bool)
            proposals.append(Proposal(
                np.array([x, y, x + w, y + h], dtype=np.float32),
                float(rec['score']), mask))
        return proposals
