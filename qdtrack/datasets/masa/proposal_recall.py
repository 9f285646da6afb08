"""How many proposals an image gets and how many true objects they cover."""
import json
from collections import defaultdict
from typing import Dict, Optional

import numpy as np


def _boxes_by_file(coco: dict, keep=lambda ann: True) -> Dict[str, list]:
    names = {img['id']: img['file_name'] for img in coco['images']}
    boxes = {name: [] for name in names.values()}
    for ann in coco['annotations']:
        if keep(ann):
            x, y, w, h = ann['bbox']
            boxes[names[ann['image_id']]].append([x, y, x + w, y + h])
    return boxes


def _areas(boxes: np.ndarray) -> np.ndarray:
    """Areas (N, ) of boxes (N, 4) ``x1, y1, x2, y2``."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def proposal_recall(proposal_file: str, gt_file: Optional[str] = None,
                    iou_thr: float = 0.5, top: Optional[int] = None,
                    area_weight: float = 0.0) -> dict:
    """Proposal counts per image and recall of ground-truth boxes.

    Images are matched by ``file_name``. Ground truth marked ``iscrowd`` or
    ``ignore`` is left out.

    Args:
        proposal_file (str): A proposal COCO JSON.
        gt_file (str, optional): A COCO / CocoVID JSON with true boxes.
        iou_thr (float): A true box is recalled when some proposal of its
            image overlaps it with IoU >= ``iou_thr``.
        top (int, optional): Count only the best ``top`` proposals per
            image, ranked as :class:`StaticImagePairDataset` ranks them
            with ``max_instances=top`` and ``area_weight``.
        area_weight (float): See ``top``.

    Returns:
        dict: ``images``, ``proposals_per_image`` (mean, median, min, max),
        ``median_size`` (proposal width, height; None without proposals)
        and, with ``gt_file``, ``gt_boxes``, ``recall``, ``recall_by_size``
        (COCO area ranges small < 32^2 <= medium < 96^2 <= large),
        ``object_share`` (share of the proposals overlapping a true box
        with IoU >= ``iou_thr``) and ``part_share`` (share of the others
        lying >= 80 % inside a true box more than twice their area: parts
        of objects).
    """
    from mmdet.evaluation.functional import bbox_overlaps

    from ..static_image_pair_dataset import best_annotations
    with open(proposal_file, encoding='utf-8') as f:
        coco = json.load(f)
    if top is not None:
        per_image = defaultdict(list)
        for ann in coco['annotations']:
            per_image[ann['image_id']].append(ann)
        coco = dict(coco, annotations=[
            a for anns in per_image.values()
            for a in best_annotations(anns, top, area_weight)])
    props = _boxes_by_file(coco)
    counts = np.array([len(v) for v in props.values()])
    every = np.array([b for v in props.values() for b in v],
                     np.float64).reshape(-1, 4)
    out = dict(images=len(props), proposals_per_image=dict(
        mean=float(counts.mean()), median=float(np.median(counts)),
        min=int(counts.min()), max=int(counts.max())),
        median_size=[float(np.median(every[:, 2] - every[:, 0])),
                     float(np.median(every[:, 3] - every[:, 1]))]
        if len(every) else None)
    if gt_file is None:
        return out
    with open(gt_file, encoding='utf-8') as f:
        gt = _boxes_by_file(json.load(f), lambda a: not (
            a.get('iscrowd') or a.get('ignore')))
    hits = defaultdict(lambda: [0, 0])
    kinds = np.zeros(2, np.int64)  # proposals that are objects, parts
    for name, cand in props.items():
        boxes = np.array(gt.get(name, []), np.float32).reshape(-1, 4)
        if not len(boxes):
            continue
        cand = np.array(cand, np.float32).reshape(-1, 4)
        best = np.zeros(len(boxes))  # best IoU of each true box
        if len(cand):
            ious = bbox_overlaps(cand, boxes)  # (P, G)
            best = ious.max(0)
            whole = (ious >= iou_thr).any(1)
            inside = bbox_overlaps(cand, boxes, mode='iof') >= 0.8
            larger = _areas(boxes)[None] > 2 * _areas(cand)[:, None]
            part = ~whole & (inside & larger).any(1)
            kinds += [int(whole.sum()), int(part.sum())]
        for area, iou in zip(_areas(boxes), best):
            size = ('small' if area < 32**2 else
                    'medium' if area < 96**2 else 'large')
            for key in ('all', size):
                hits[key][0] += int(iou >= iou_thr)
                hits[key][1] += 1
    total = max(len(every), 1)
    out['object_share'] = float(kinds[0] / total)
    out['part_share'] = float(kinds[1] / total)
    out['gt_boxes'] = hits['all'][1]
    out['recall'] = hits['all'][0] / max(hits['all'][1], 1)
    out['recall_by_size'] = {
        k: dict(recall=v[0] / v[1], gt_boxes=v[1])
        for k, v in hits.items() if k != 'all'}
    return out
