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
        dict: ``images``, ``proposals_per_image`` (mean, median, min, max)
        and, with ``gt_file``, ``gt_boxes``, ``recall`` and ``recall_by_size``
        (COCO area ranges small < 32^2 <= medium < 96^2 <= large).
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
    out = dict(images=len(props), proposals_per_image=dict(
        mean=float(counts.mean()), median=float(np.median(counts)),
        min=int(counts.min()), max=int(counts.max())))
    if gt_file is None:
        return out
    with open(gt_file, encoding='utf-8') as f:
        gt = _boxes_by_file(json.load(f), lambda a: not (
            a.get('iscrowd') or a.get('ignore')))
    hits = defaultdict(lambda: [0, 0])
    for name, boxes in gt.items():
        if name not in props or not boxes:
            continue
        boxes = np.array(boxes, np.float32)
        cand = np.array(props[name], np.float32).reshape(-1, 4)
        best = (bbox_overlaps(boxes, cand).max(1) if len(cand) else
                np.zeros(len(boxes)))
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        for area, iou in zip(areas, best):
            size = ('small' if area < 32**2 else
                    'medium' if area < 96**2 else 'large')
            for key in ('all', size):
                hits[key][0] += int(iou >= iou_thr)
                hits[key][1] += 1
    out['gt_boxes'] = hits['all'][1]
    out['recall'] = hits['all'][0] / max(hits['all'][1], 1)
    out['recall_by_size'] = {
        k: dict(recall=v[0] / v[1], gt_boxes=v[1])
        for k, v in hits.items() if k != 'all'}
    return out
