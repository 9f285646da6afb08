"""Recall of weight-free proposal settings on a few training frames.

    python tools/masa/tune_felzenszwalb.py GT.json [--every 40]
        [--offset 3] [--setting "scales=50,150 sigma=0.5" ...]

Runs :class:`FelzenszwalbProposals` (boxes only) with each ``--setting``
(space-separated ``name=value``; lists comma-separated; no setting: the
defaults) on every ``--every``-th image of ``GT.json`` (a COCO / CocoVID
file whose images are read relative to the folder above its folder) and
prints, per setting, the recall of the non-ignored true boxes at IoU 0.3,
0.5 and 0.7, proposals per image and CPU seconds per image. Tune on
TRAINING frames only (``data/toy/annotations/train_cocoformat.json``),
never on the videos used to report results.
"""
import argparse
import json
import os.path as osp
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_setting(text: str) -> dict:
    """``"scales=50,150 sigma=0.5 score=boundary"`` -> ``{'scales': (50,
    150), 'sigma': 0.5, 'score': 'boundary'}`` (integers stay integers,
    words stay strings)."""
    def number(v):
        try:
            return int(v)
        except ValueError:
            pass
        try:
            return float(v)
        except ValueError:
            return v

    out = {}
    for item in text.split():
        name, _, value = item.partition('=')
        parts = [number(v) for v in value.split(',')]
        out[name] = tuple(parts) if ',' in value else parts[0]
    return out


def main(argv=None) -> list:
    from mmdet.evaluation.functional import bbox_overlaps

    from qdtrack.datasets.masa import FelzenszwalbProposals
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('gt', help='COCO / CocoVID JSON with true boxes')
    parser.add_argument('--every', type=int, default=40)
    parser.add_argument('--offset', type=int, default=3)
    parser.add_argument('--setting', action='append', default=None)
    args = parser.parse_args(argv)
    with open(args.gt, encoding='utf-8') as f:
        coco = json.load(f)
    root = osp.dirname(osp.dirname(osp.abspath(args.gt)))
    images = coco['images'][args.offset::args.every]
    boxes = {}
    for ann in coco['annotations']:
        if not (ann.get('ignore') or ann.get('iscrowd')):
            x, y, w, h = ann['bbox']
            boxes.setdefault(ann['image_id'], []).append([x, y, x + w,
                                                          y + h])
    results = []
    for text in args.setting or ['']:
        setting = parse_setting(text)
        source = FelzenszwalbProposals(with_masks=False, **setting)
        hits, total, count = np.zeros(3), 0, 0
        start = time.process_time()
        for img in images:
            props = source(cv2.imread(osp.join(root, img['file_name'])))
            cand = np.array([p.bbox for p in props], np.float32).reshape(
                -1, 4)
            count += len(cand)
            gt = np.array(boxes.get(img['id'], []), np.float32).reshape(-1, 4)
            if not len(gt):
                continue
            best = (bbox_overlaps(gt, cand).max(1) if len(cand) else
                    np.zeros(len(gt)))
            hits += [(best >= t).sum() for t in (0.3, 0.5, 0.7)]
            total += len(gt)
        cpu = (time.process_time() - start) / len(images)
        row = dict(setting=text or 'defaults', images=len(images),
                   gt_boxes=total,
                   recall={t: float(h / max(total, 1))
                           for t, h in zip(('0.3', '0.5', '0.7'), hits)},
                   proposals_per_image=count / len(images),
                   cpu_s_per_image=cpu)
        results.append(row)
        print(json.dumps(row), flush=True)
    return results


if __name__ == '__main__':
    main()
