"""TAO evaluation of tracking results: TETA and Track mAP."""
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence

from mmengine.logging import MMLogger

from qdtrack.datasets.tao import AnnotationError, load_as_cocovid
from qdtrack.registry import METRICS

from ..functional.tao_track_map import tao_track_map
from ..functional.teta import teta
from ..writers.tao import tao_records_from_frame, write_tao_results
from .video_frame_metric import VideoFrameMetric

TETA_KEYS = ('TETA', 'LocA', 'AssocA', 'ClsA', 'LocRe', 'LocPr', 'AssocRe',
             'AssocPr', 'ClsRe', 'ClsPr')
TRACK_MAP_KEYS = ('AP', 'AP50', 'AP75', 'AR', 'AR50', 'AR75')


def tao_frame_from_sample(data_sample) -> dict:
    """Tracked boxes of one frame, as arrays.

    Args:
        data_sample (DetDataSample): A frame whose metainfo has ``img_id``
            and ``video_id`` (the ids of the TAO annotation file) and whose
            ``pred_track_instances`` holds ``bboxes`` (N, 4) xyxy in
            original image coordinates, ``scores`` (N,), ``labels`` (N,)
            class indices and ``instances_id`` (N,).

    Returns:
        dict: ``image_id``, ``video_id``, ``frame_id`` (int) and the numpy
        arrays ``bboxes`` (N, 4), ``scores`` (N,), ``labels`` (N,) and
        ``ids`` (N,).
    """
    meta = data_sample.metainfo
    for key in ('img_id', 'video_id'):
        if key not in meta:
            raise KeyError(f'frame {meta.get("img_path")} lacks "{key}" in '
                           'its metainfo; add it to the meta_keys of '
                           'PackTrackInputs')
    pred = data_sample.pred_track_instances
    return dict(
        image_id=int(meta['img_id']),
        video_id=int(meta['video_id']),
        frame_id=int(meta.get('frame_id', 0)),
        bboxes=pred.bboxes.detach().cpu().numpy().reshape(-1, 4),
        scores=pred.scores.detach().cpu().numpy().reshape(-1),
        labels=pred.labels.detach().cpu().numpy().reshape(-1),
        ids=pred.instances_id.detach().cpu().numpy().reshape(-1))


@METRICS.register_module()
class TAOMetric(VideoFrameMetric):
    """Write TAO results and score them with TETA and Track mAP.

    Every test frame contributes its tracked boxes; at the end they are
    written to ``<outfile_dir>/tao_results.json`` (TAO's results format:
    ``image_id``, ``video_id``, ``category_id``, ``track_id``, ``bbox``
    ``x, y, w, h``, ``score``; track ids renumbered 1..N over the dataset)
    and, unless ``format_only``, scored against ``ann_file`` with TETA
    (:func:`~qdtrack.evaluation.functional.teta.teta`) and, with
    ``track_map``, TAO's Track mAP through TrackEval
    (:func:`~qdtrack.evaluation.functional.tao_track_map.tao_track_map`).

    Class indices become category ids by name: class ``i`` of the dataset
    is the category of ``ann_file`` named ``classes[i]``. Every video of
    the ground truth is scored; videos without results count as missed.

    Returned metrics, in percent: ``TETA``, ``LocA``, ``AssocA``, ``ClsA``
    and their recalls and precisions (``LocRe``, ``LocPr``, ``AssocRe``,
    ``AssocPr``, ``ClsRe``, ``ClsPr``); with ``track_map`` also
    ``TrackAP`` (mean over IoU 0.50:0.95), ``TrackAP50``, ``TrackAP75``,
    ``TrackAR``, ``TrackAR50`` and ``TrackAR75``.

    Args:
        ann_file (str): The split's annotation file, TAO's JSON (e.g.
            ``annotations/validation.json``) or its CocoVID conversion. Its
            categories give the category ids, so it is needed with
            ``format_only`` too (TAO's test file without annotations does).
        outfile_dir (str, optional): Folder receiving ``tao_results.json``.
            A temporary folder, removed after scoring, is used when None.
            Defaults to None.
        format_only (bool): Only write the results file and return ``{}``.
            Defaults to False.
        track_map (bool): Also compute Track mAP. Defaults to True.
        max_dets_per_image (int): Predictions kept per image by both
            metrics, highest scores first (TAO's rule); 0 keeps all.
            Defaults to 300.
        teta_cfg (dict, optional): Further keyword arguments of
            :func:`~qdtrack.evaluation.functional.teta.teta`
            (``cluster_iou``, ``alphas``, ``exhaustive``,
            ``skip_empty_frames``, ...). By default labelled frames
            without boxes are skipped, as in the authors' code;
            ``dict(skip_empty_frames=False)`` counts them. Defaults to
            None.
        track_map_cfg (dict, optional): Further keyword arguments of
            :func:`~qdtrack.evaluation.functional.tao_track_map.tao_track_map`
            (``iou_thresholds``, ``area_ranges``, ``time_ranges``).
            Defaults to None.
        collect_device (str): See :class:`mmengine.evaluator.BaseMetric`.
        prefix (str, optional): Metric name prefix. Defaults to ``'tao'``.
    """

    default_prefix = 'tao'
    result_file = 'tao_results.json'

    def __init__(self,
                 ann_file: str,
                 outfile_dir: Optional[str] = None,
                 format_only: bool = False,
                 track_map: bool = True,
                 max_dets_per_image: int = 300,
                 teta_cfg: Optional[dict] = None,
                 track_map_cfg: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not ann_file:
            raise ValueError('TAOMetric needs ann_file (TAO or CocoVID JSON '
                             'of the evaluated split)')
        self.ann_file = ann_file
        self.outfile_dir = outfile_dir
        self.format_only = format_only
        self.track_map = track_map
        self.max_dets_per_image = max_dets_per_image
        self.teta_cfg = dict(teta_cfg or {})
        self.track_map_cfg = dict(track_map_cfg or {})
        self.last_results: dict = {}

    def process_frame(self, frame) -> dict:
        """The tracked boxes of one frame."""
        return tao_frame_from_sample(frame)


    def _category_ids(self, gt: dict) -> List[int]:
        """Category id of each class index, matched by name."""
        by_name = {c['name']: c['id'] for c in gt['categories']}
        classes = (self.dataset_meta or {}).get('classes')
        if classes is None:
            return [c['id'] for c in sorted(gt['categories'],
                                            key=lambda c: c['id'])]
        unknown = [c for c in classes if c not in by_name]
        if unknown:
            raise AnnotationError(
                f'{self.ann_file}: dataset classes {unknown[:5]} are not '
                f'among its {len(by_name)} categories')
        return [by_name[c] for c in classes]

    def _records(self, results: List[dict], gt: dict) -> List[dict]:
        """TAO result records of per-frame results, video then frame."""
        cat_ids = self._category_ids(gt)
        records = []
        # a fixed order whatever the ranks: video, then frame
        for frame in sorted(results,
                            key=lambda f: (f['video_id'], f['frame_id'])):
            records.extend(tao_records_from_frame(
                frame['image_id'], frame['video_id'], frame['bboxes'],
                frame['scores'], frame['labels'], frame['ids'], cat_ids))
        return records

    def check_inputs(self, video_names: Sequence[str]) -> None:
        """Fail before tracking when ``ann_file`` is missing.

        Args:
            video_names (Sequence[str]): Names of the test videos (unused).

        Raises:
            FileNotFoundError: ``ann_file`` does not exist.
        """
        if not osp.exists(self.ann_file):
            raise FileNotFoundError(
                f'TAO annotation file not found: {self.ann_file}')

    def dump_partial(self, out_dir: str) -> Dict[str, int]:
        """Write ``tao_results.json`` of the frames tracked so far.

        Args:
            out_dir (str): The folder.

        Returns:
            dict[str, int]: Number of frames written per video id.
        """
        frames: Dict[str, int] = {}
        for frame in self.results:
            key = str(frame['video_id'])
            frames[key] = frames.get(key, 0) + 1
        if frames:
            records = self._records(self.results,
                                    load_as_cocovid(self.ann_file))
            write_tao_results(records, osp.join(out_dir, self.result_file))
        return frames

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write the results file and score it.

        Args:
            results (list[dict]): Per-frame arrays gathered from all ranks.

        Returns:
            dict[str, float]: The metrics listed in the class docstring, or
            ``{}`` with ``format_only``.
        """
        logger = MMLogger.get_current_instance()
        gt = load_as_cocovid(self.ann_file)
        records = self._records(results, gt)
        tmp = None
        out_dir = self.outfile_dir
        if out_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix='qdtrack_tao_')
            out_dir = tmp.name
        try:
            out_file = write_tao_results(
                records, osp.join(out_dir, self.result_file))
            logger.info(f'wrote {len(records)} TAO result boxes of '
                        f'{len(results)} frames to {out_file}')
            if self.format_only:
                return {}
            return self._score(gt, out_file, logger)
        finally:
            if tmp is not None:
                tmp.cleanup()

    def _score(self, gt: dict, out_file: str, logger) -> Dict[str, float]:
        """TETA (and Track mAP) of the written file against ``gt``."""
        teta_res = teta(gt, out_file,
                        max_dets_per_image=self.max_dets_per_image,
                        progress=False, **self.teta_cfg)
        metrics = {k: float(teta_res[k]) for k in TETA_KEYS}
        self.last_results = dict(teta=teta_res)
        if self.track_map:
            map_res = tao_track_map(
                gt, out_file, max_dets_per_image=self.max_dets_per_image,
                **self.track_map_cfg)
            self.last_results['track_map'] = map_res
            for key in TRACK_MAP_KEYS:
                if key in map_res:
                    metrics['Track' + key] = float(map_res[key])
        logger.info('TAO: ' + ', '.join(
            f'{k} {v:.2f}' for k, v in metrics.items()) +
            f' ({teta_res["num_classes"]} classes with ground truth)')
        return metrics
