"""Write a model's per-frame detections as MOTChallenge ``det.txt`` files."""
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger

from qdtrack.registry import METRICS

from ..writers.mot import write_mot_det
from .video_frame_metric import VideoFrameMetric


@METRICS.register_module()
class MOTDetectionDump(VideoFrameMetric):
    """Dump the detections a model tracked, before association.

    Every frame's ``pred_instances`` (a detector's output, e.g. QDTrack's
    boxes after its RoI head, before the track manager) are written to
    ``<out_dir>/<video_name>/det/det.txt`` in the MOT17 public-detection
    format, so that any tracker can be run on the very same boxes through
    ``public_det_file='<out_dir>/{video}/det/det.txt'``. It computes no
    metric. ``tools/test.py --out-dets DIR`` adds it.

    Args:
        out_dir (str): Folder of the dumped sequences.
        labels (Sequence[int], optional): Keep only detections of these
            labels (``det.txt`` has no class column). None keeps all.
            Defaults to None.
        score_thr (float): Detections scoring below are not written.
            Defaults to 0 (all).
        collect_device (str): See :class:`mmengine.evaluator.BaseMetric`.
        prefix (str): Metric name prefix. Defaults to ``'det_dump'``.
    """

    default_prefix = 'det_dump'

    def __init__(self,
                 out_dir: str,
                 labels: Optional[Sequence[int]] = None,
                 score_thr: float = 0.0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_dir = out_dir
        self.labels = None if labels is None else tuple(labels)
        self.score_thr = score_thr

    def process_frame(self, frame) -> dict:
        """The video name and (K, 6) ``frame, x, y, w, h, score`` rows."""
        if 'pred_instances' not in frame:
            raise KeyError(
                'MOTDetectionDump needs the detections of each frame '
                '("pred_instances"); this model does not record them')
        meta = frame.metainfo
        number = meta.get('mot_frame_id', meta['frame_id'] + 1)
        pred = frame.pred_instances
        boxes = pred.bboxes.detach().cpu().numpy().reshape(-1, 4)
        scores = pred.scores.detach().cpu().numpy().reshape(-1)
        keep = (scores >= self.score_thr) & (boxes[:, 2] > boxes[:, 0]) & (
            boxes[:, 3] > boxes[:, 1])
        if self.labels is not None:
            keep &= np.isin(pred.labels.detach().cpu().numpy().reshape(-1),
                            np.asarray(self.labels))
        boxes, scores = boxes[keep], scores[keep]
        rows = np.empty((len(boxes), 6), dtype=np.float64)
        rows[:, 0] = number
        rows[:, 1:3] = boxes[:, :2]
        rows[:, 3:5] = boxes[:, 2:] - boxes[:, :2]
        rows[:, 5] = scores
        return dict(video=meta.get('video_name', str(meta.get('video_id'))),
                    rows=rows)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write one ``det.txt`` per video; no metric.

        Args:
            results (list[dict]): Per-frame rows gathered from all ranks.

        Returns:
            dict: Empty.
        """
        per_video = defaultdict(list)
        for res in results:
            per_video[res['video']].append(res['rows'])
        for video, chunks in per_video.items():
            write_mot_det(osp.join(self.out_dir, video, 'det', 'det.txt'),
                          np.concatenate(chunks, axis=0))
        MMLogger.get_current_instance().info(
            f'wrote the detections of {len(per_video)} sequences to '
            f'{self.out_dir}')
        return {}
