"""BDD100K box detection evaluation: COCO-style AP of scalabel frames.

The detection part of the QDTrack BDD100K protocol (the public configs
evaluate ``metric=['bbox', 'track']``): every predicted box of a frame,
tracked or not, is scored against the frame's ground truth with
pycocotools' ``COCOeval`` (AP over IoU 0.50:0.95, AP50, AP75, AP by object
size, 100 boxes per image), the evaluator scalabel's ``evaluate_det`` also
builds on. Boxes keep the scalabel convention (inclusive corners:
``x2 - x1 + 1`` wide); crowd boxes and ignored classes are COCO crowd
regions (matching one is neither a true nor a false positive). Classes are
the 8 BDD100K tracking classes; ``AP`` is their mean over classes with
ground truth.
"""
import contextlib
import io
from typing import List, Sequence

import numpy as np

from qdtrack.datasets.bdd100k import (
    BDD100K_CLASSES,
    ScalabelFrame,
    box2d_to_xywh,
)

AP_KEYS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl')


def _frame_key(frame: ScalabelFrame):
    return frame.video_name, frame.name


def evaluate_bdd100k_det(gts: Sequence[ScalabelFrame],
                         preds: Sequence[ScalabelFrame],
                         classes: Sequence[str] = BDD100K_CLASSES) -> dict:
    """COCO AP of predicted boxes against BDD100K ground truth.

    Args:
        gts (Sequence[ScalabelFrame]): Ground-truth frames.
        preds (Sequence[ScalabelFrame]): Predicted frames (labels with a
            ``score``); frames not in the ground truth raise, ground-truth
            frames without prediction count as frames without detections.
        classes (Sequence[str]): Evaluated classes. Defaults to the 8
            BDD100K classes.

    Returns:
        dict: ``AP``, ``AP50``, ``AP75``, ``APs``, ``APm``, ``APl`` in
        percent (means over classes with ground truth; NaN without any) and
        ``per_class`` (class -> ``AP``, ``AP50``, ``AP75``; NaN for classes
        without ground truth).

    Raises:
        ValueError: A prediction for a frame that is not in the ground
            truth, or without a score.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    cat_ids = {name: k + 1 for k, name in enumerate(classes)}
    images, anns, image_ids = [], [], {}
    for frame in gts:
        key = _frame_key(frame)
        if key in image_ids:
            raise ValueError(f'{frame.source}: frame {frame.name} of video '
                             f'{frame.video_name} appears twice')
        image_ids[key] = len(images) + 1
        h, w = frame.size or (720, 1280)
        images.append(dict(id=image_ids[key], height=h, width=w))
        for label in frame.labels:
            if label.category not in cat_ids:
                continue
            x, y, bw, bh = box2d_to_xywh(label.box)
            crowd = int(label.is_ignore)
            anns.append(dict(id=len(anns) + 1, image_id=image_ids[key],
                             category_id=cat_ids[label.category],
                             bbox=[x, y, bw, bh], area=bw * bh,
                             iscrowd=crowd, ignore=crowd))
    dets: List[dict] = []
    for frame in preds:
        key = _frame_key(frame)
        if key not in image_ids:
            raise ValueError(f'{frame.source}: predicted frame {frame.name} '
                             f'of video {frame.video_name} is not in the '
                             'ground truth')
        for label in frame.labels:
            if label.score is None:
                raise ValueError(f'{frame.source}: a box of frame '
                                 f'{frame.name} has no score')
            if label.category not in cat_ids:
                continue
            x, y, bw, bh = box2d_to_xywh(label.box)
            dets.append(dict(image_id=image_ids[key],
                             category_id=cat_ids[label.category],
                             bbox=[x, y, bw, bh], score=label.score))
    nan = float('nan')
    empty = dict({k: nan for k in AP_KEYS},
                 per_class={c: dict(AP=nan, AP50=nan, AP75=nan)
                            for c in classes})
    if not anns:
        return empty
    coco_gt = COCO()
    coco_gt.dataset = dict(
        images=images, annotations=anns,
        categories=[dict(id=i, name=n) for n, i in cat_ids.items()])
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(dets) if dets else COCO()
        if not dets:
            coco_dt.dataset = dict(images=images, annotations=[],
                                   categories=coco_gt.dataset['categories'])
            coco_dt.createIndex()
        evaluator = COCOeval(coco_gt, coco_dt, iouType='bbox')
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    # precision: (T IoUs, R recalls, K classes, A areas, M max dets)
    precision = evaluator.eval['precision']

    def ap(k=None, t=None, area=0):
        p = precision[:, :, :, area, -1]
        if t is not None:
            p = p[t:t + 1]
        if k is not None:
            p = p[:, :, k:k + 1]
        per_cls = []
        for c in range(p.shape[2]):
            valid = p[:, :, c][p[:, :, c] > -1]
            per_cls.append(100 * float(valid.mean()) if valid.size else nan)
        return per_cls

    out = dict(per_class={})
    for k, name in enumerate(classes):
        out['per_class'][name] = dict(AP=ap(k)[0], AP50=ap(k, 0)[0],
                                      AP75=ap(k, 5)[0])
    for key, kwargs in (('AP', {}), ('AP50', dict(t=0)),
                        ('AP75', dict(t=5)), ('APs', dict(area=1)),
                        ('APm', dict(area=2)), ('APl', dict(area=3))):
        values = [v for v in ap(**kwargs) if not np.isnan(v)]
        out[key] = float(np.mean(values)) if values else nan
    return out

