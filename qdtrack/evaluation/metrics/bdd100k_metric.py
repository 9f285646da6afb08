"""BDD100K box tracking evaluation of tracking results (official rules)."""
import os
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import MMLogger

from qdtrack.datasets.bdd100k import BDD100K_CLASSES, load_scalabel_frames
from qdtrack.registry import METRICS

from ..functional.bdd100k_det import AP_KEYS, evaluate_bdd100k_det
from ..functional.bdd100k_mot import (
    compute_bdd100k_hota,
    evaluate_bdd100k_mot,
    format_bdd100k_table,
)
from ..writers.bdd100k import (
    bdd100k_frame,
    bdd100k_labels_from_arrays,
    write_bdd100k_results,
)
from .video_frame_metric import VideoFrameMetric


def bdd100k_frame_from_sample(data_sample,
                              classes: Sequence[str]) -> dict:
    """Scalabel frame of one tracked frame.

    Untracked boxes (negative ids) are left out, and so are boxes that
    clipping made empty (width or height <= 0). Boxes narrower or lower than
    one pixel are widened to one pixel, the smallest box the scalabel
    convention (inclusive corners, ``x2 >= x1``) can hold.

    Args:
        data_sample (DetDataSample): A frame whose metainfo has
            ``img_path``, ``video_name`` and ``mot_frame_id`` (1-based
            frame number, ``frameIndex + 1`` for BDD100K; ``frame_id + 1``
            when absent) and whose ``pred_track_instances`` holds
            ``bboxes`` (N, 4) xyxy in original image coordinates,
            ``scores`` (N,), ``labels`` (N,) indices into ``classes`` and
            ``instances_id`` (N,).
        classes (Sequence[str]): Class names of the dataset.

    Returns:
        dict: ``{name, videoName, frameIndex, labels}`` with ``name`` the
        image file name, ``frameIndex = mot_frame_id - 1`` and label ids the
        track ids as strings.
    """
    meta = data_sample.metainfo
    for key in ('img_path', 'video_name'):
        if key not in meta:
            raise KeyError(
                f'frame {meta.get("frame_id")} of video '
                f'{meta.get("video_id")} lacks "{key}" in its metainfo; add '
                'it to the meta_keys of PackTrackInputs')
    number = meta.get('mot_frame_id', meta.get('frame_id', -1) + 1)
    pred = data_sample.pred_track_instances
    boxes = pred.bboxes.detach().cpu().numpy().astype(np.float64).reshape(
        -1, 4)
    scores = pred.scores.detach().cpu().numpy().reshape(-1)
    labels = pred.labels.detach().cpu().numpy().reshape(-1)
    ids = pred.instances_id.detach().cpu().numpy().reshape(-1)
    keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    boxes, scores, labels, ids = boxes[keep], scores[keep], labels[keep], ids[
        keep]
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
    try:
        frame_labels = bdd100k_labels_from_arrays(boxes, scores, labels, ids,
                                                  classes)
    except ValueError as e:
        raise ValueError(f'{meta["img_path"]} (video {meta["video_name"]}): '
                         f'{e}') from e
    return bdd100k_frame(
        osp.basename(meta['img_path']), meta['video_name'],
        int(number) - 1, frame_labels)


@METRICS.register_module()
class BDD100KMetric(VideoFrameMetric):
    """Write a BDD100K box tracking submission and score it.

    Every test frame becomes a scalabel frame (``name`` = image file name,
    ``videoName``, ``frameIndex = mot_frame_id - 1``, labels with the
    dataset's class names, score and track id). At the end one
    ``<videoName>.json`` per video is written into ``outfile_dir`` - the
    layout of the official label folders and of a test-server submission -
    and, unless ``format_only``, the written files are read back and scored
    against ``ann_file`` with the official rules
    (:func:`~qdtrack.evaluation.functional.bdd100k_mot.evaluate_bdd100k_mot`)
    and HOTA by TrackEval
    (:func:`~qdtrack.evaluation.functional.bdd100k_mot.compute_bdd100k_hota`).

    The ground truth is the original scalabel labels, not the CocoVID file:
    ``labels/box_track_20/val/`` (a folder of one JSON per video, as
    distributed) or a single JSON holding the frames of all videos. Every
    video of the ground truth is scored; videos without results count as
    empty (with a warning), as on the official server.

    Returned metrics (percent on 0-100, counts as numbers): ``mMOTA``,
    ``mMOTP``, ``mIDF1`` (mean over the 8 classes, classes without ground
    truth counting 0), ``MOTA``, ``MOTP``, ``IDF1`` (all classes pooled),
    ``IDSW``, ``FP``, ``FN``, ``MT``, ``PT``, ``ML``, ``FM`` (sums over the
    classes) and, with ``hota``, ``mHOTA``, ``mDetA``, ``mAssA`` (class
    mean) and ``HOTA``, ``DetA``, ``AssA`` (pooled). With ``'bbox'`` in
    ``metric`` the frames' detections (``pred_instances``, tracked or not)
    are also scored with COCO AP
    (:func:`~qdtrack.evaluation.functional.bdd100k_det.evaluate_bdd100k_det`):
    ``bbox_AP``, ``bbox_AP50``, ``bbox_AP75``, ``bbox_APs``, ``bbox_APm``,
    ``bbox_APl`` (the detection half of the QDTrack BDD100K protocol).

    Args:
        ann_file (str, optional): Scalabel ground truth, a folder of
            per-video JSON files or one JSON file. Required unless
            ``format_only``.
        outfile_dir (str, optional): Folder receiving the result files. A
            temporary folder, removed after scoring, is used when None.
            Defaults to None.
        format_only (bool): Only write the result files (e.g. for the test
            server) and return ``{}``. Defaults to False.
        hota (bool): Also compute HOTA with TrackEval. Defaults to True.
        iou_thr (float): Smallest IoU of a match. Defaults to 0.5.
        ignore_iof_thr (float): Unmatched predictions covered by an ignore
            region by more than this share are removed. Defaults to 0.5.
        metric (str | Sequence[str]): ``'track'``, ``'bbox'`` or both.
            Defaults to ``'track'``.
        collect_device (str): See :class:`mmengine.evaluator.BaseMetric`.
        prefix (str, optional): Metric name prefix. Defaults to
            ``'bdd100k'``.
    """

    default_prefix = 'bdd100k'

    def __init__(self,
                 ann_file: Optional[str] = None,
                 outfile_dir: Optional[str] = None,
                 format_only: bool = False,
                 hota: bool = True,
                 iou_thr: float = 0.5,
                 ignore_iof_thr: float = 0.5,
                 metric: Union[str, Sequence[str]] = 'track',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        metrics = (metric, ) if isinstance(metric, str) else tuple(metric)
        unknown = set(metrics) - {'bbox', 'track'}
        if unknown or not metrics:
            raise ValueError(f"metric must be 'bbox', 'track' or both, got "
                             f'{metric!r}')
        self.metrics = metrics
        if not format_only and ann_file is None:
            raise ValueError('BDD100KMetric needs ann_file (scalabel labels) '
                             'to evaluate (or format_only=True)')
        self.ann_file = ann_file
        self.outfile_dir = outfile_dir
        self.format_only = format_only
        self.hota = hota
        self.iou_thr = iou_thr
        self.ignore_iof_thr = ignore_iof_thr
        self.last_results: dict = {}

    @property
    def classes(self) -> Sequence[str]:
        """Class names of the dataset (the 8 BDD100K classes by default)."""
        meta = self.dataset_meta or {}
        return tuple(meta.get('classes') or BDD100K_CLASSES)

    def process_frame(self, frame) -> dict:
        """One frame as a scalabel frame (with its detections under
        ``'detections'`` when ``'bbox'`` is evaluated)."""
        out = bdd100k_frame_from_sample(frame, self.classes)
        if 'bbox' in self.metrics:
            det = frame.pred_instances
            boxes = det.bboxes.detach().cpu().numpy().astype(
                np.float64).reshape(-1, 4)
            boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
            out['detections'] = bdd100k_labels_from_arrays(
                boxes, det.scores.detach().cpu().numpy(),
                det.labels.detach().cpu().numpy(), np.arange(len(boxes)),
                self.classes)
        return out


    def check_inputs(self, video_names: Sequence[str]) -> None:
        """Fail before tracking when the ground truth is missing.

        Args:
            video_names (Sequence[str]): Names of the test videos (unused:
                the scalabel labels are read once, when scoring).

        Raises:
            FileNotFoundError: ``ann_file`` does not exist.
        """
        if not self.format_only and not osp.exists(self.ann_file):
            raise FileNotFoundError(
                f'BDD100K ground truth not found: {self.ann_file}')

    def dump_partial(self, out_dir: str) -> Dict[str, int]:
        """Write the frames tracked so far, one ``<video>.json`` each.

        Args:
            out_dir (str): The folder.

        Returns:
            dict[str, int]: Number of frames written per video.
        """
        frames: Dict[str, int] = {}
        for frame in self.results:
            frames[frame['videoName']] = frames.get(frame['videoName'], 0) + 1
        if frames:
            write_bdd100k_results(self.results, out_dir, progress=False)
        return frames

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write one file per video and score them.

        Args:
            results (list[dict]): Scalabel frames gathered from all ranks.

        Returns:
            dict[str, float]: The metrics listed in the class docstring, or
            ``{}`` with ``format_only``.
        """
        logger = MMLogger.get_current_instance()
        tmp = None
        out_dir = self.outfile_dir
        if out_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix='qdtrack_bdd100k_')
            out_dir = tmp.name
        try:
            os.makedirs(out_dir, exist_ok=True)
            dets = [dict(f, labels=f['detections']) for f in results
                    if 'detections' in f]
            results = [{k: v for k, v in f.items() if k != 'detections'}
                       for f in results]
            files = write_bdd100k_results(results, out_dir, progress=False)
            logger.info(f'wrote BDD100K results of {len(files)} videos to '
                        f'{out_dir}')
            if self.format_only:
                return {}
            self.last_results = {}
            gts = load_scalabel_frames(self.ann_file, progress=False)
            metrics = {}
            if 'bbox' in self.metrics:
                metrics.update(self._score_det(gts, dets, out_dir, logger))
            if 'track' in self.metrics:
                # score what was written, and only this run's files
                preds = [f for path in files
                         for f in load_scalabel_frames(path, progress=False)]
                metrics.update(self._score(gts, preds, logger))
            return metrics
        finally:
            if tmp is not None:
                tmp.cleanup()

    def _score_det(self, gts: list, dets: List[dict], out_dir: str,
                   logger) -> Dict[str, float]:
        """COCO AP of the detections (written to ``detections/``)."""
        det_dir = osp.join(out_dir, 'detections')
        files = write_bdd100k_results(dets, det_dir, progress=False)
        preds = [f for path in files
                 for f in load_scalabel_frames(path, progress=False)]
        result = evaluate_bdd100k_det(gts, preds, self.classes)
        self.last_results['det'] = result
        logger.info('BDD100K detection: ' + ', '.join(
            f'{k} {result[k]:.2f}' for k in AP_KEYS))
        return {f'bbox_{k}': float(result[k]) for k in AP_KEYS}

    def _score(self, gts: list, preds: list, logger) -> Dict[str, float]:
        """Score predicted frames against ``ann_file``."""
        result = evaluate_bdd100k_mot(gts, preds, self.iou_thr,
                                      self.ignore_iof_thr, progress=False)
        hota = compute_bdd100k_hota(gts, preds, progress=False) if (
            self.hota) else None
        self.last_results.update(mot=result, hota=hota)
        logger.info('\n' + format_bdd100k_table(result, hota))
        average = result['per_class']['AVERAGE']
        overall = result['per_class']['OVERALL']
        metrics = dict(
            mMOTA=result['mMOTA'], mMOTP=result['mMOTP'],
            mIDF1=result['mIDF1'], MOTA=overall['MOTA'],
            MOTP=overall['MOTP'], IDF1=overall['IDF1'])
        if hota is not None:
            for key in ('HOTA', 'DetA', 'AssA'):
                metrics[f'm{key}'] = hota[key]['AVERAGE']
                metrics[key] = hota[key]['OVERALL']
        metrics.update(
            IDSW=average['IDSw'], FP=average['FP'], FN=average['FN'],
            MT=average['MT'], PT=average['PT'], ML=average['ML'],
            FM=average['FM'])
        counts = ('IDSW', 'FP', 'FN', 'MT', 'PT', 'ML', 'FM')
        return {k: int(v) if k in counts else float(v)
                for k, v in metrics.items()}
