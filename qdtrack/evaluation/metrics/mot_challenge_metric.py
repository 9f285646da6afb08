"""MOTChallenge evaluation of tracking results (HOTA, CLEAR, Identity)."""
import os
import os.path as osp
import tempfile
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger

from qdtrack.datasets.mot_files import read_mot_gt, read_seqinfo
from qdtrack.registry import METRICS

from ..functional.mot_challenge import evaluate_mot_challenge, format_mot_table
from ..writers.mot import interpolate_tracks, write_mot_results
from .video_frame_metric import VideoFrameMetric


def track_rows_from_sample(data_sample,
                           frame_number: int,
                           labels: Optional[Sequence[int]] = None
                           ) -> np.ndarray:
    """MOT result rows of one frame.

    Args:
        data_sample (DetDataSample): A frame with ``pred_track_instances``
            (``bboxes`` (N, 4) xyxy, ``scores`` (N,), ``labels`` (N,),
            ``instances_id`` (N,)).
        frame_number (int): 1-based frame number written to the file.
        labels (Sequence[int], optional): Keep only tracks of these labels
            (MOT17 scores pedestrians only). None keeps all.

    Returns:
        np.ndarray: (N, 7) rows ``frame, id, x, y, w, h, score`` with 1-based
        ids.
    """
    pred = data_sample.pred_track_instances
    boxes = pred.bboxes.detach().cpu().numpy().reshape(-1, 4)
    scores = pred.scores.detach().cpu().numpy().reshape(-1)
    ids = pred.instances_id.detach().cpu().numpy().reshape(-1)
    # untracked rows (id -1) and boxes that clipping made empty are dropped
    keep = (ids >= 0) & (boxes[:, 2] > boxes[:, 0]) & (
        boxes[:, 3] > boxes[:, 1])
    if labels is not None:
        keep &= np.isin(pred.labels.detach().cpu().numpy().reshape(-1),
                        np.asarray(labels))
    boxes, scores, ids = boxes[keep], scores[keep], ids[keep]
    rows = np.empty((len(ids), 7), dtype=np.float64)
    rows[:, 0] = frame_number
    rows[:, 1] = ids + 1
    rows[:, 2:4] = boxes[:, :2]
    rows[:, 4:6] = boxes[:, 2:] - boxes[:, :2]
    rows[:, 6] = scores
    return rows


@METRICS.register_module()
class MOTChallengeMetric(VideoFrameMetric):
    """Write MOTChallenge result files and score them with TrackEval.

    Every test frame contributes its tracked boxes; at the end the results of
    each video are written to ``<outfile_dir>/<video_name>.txt`` (the
    official 10-column format) and evaluated against
    ``<gt_root>/<video_name>/gt/<gt_file>`` with the official MOT17
    preprocessing. The sequence name is the video's name from the annotation
    file, never a component of the image path.

    Args:
        gt_root (str, optional): Folder holding one ``<SEQ>/`` folder per
            video with ``seqinfo.ini`` and ``gt/``. Required unless
            ``format_only``.
        gt_file (str): Ground-truth file inside ``<SEQ>/gt/``.
            Defaults to ``'gt.txt'``.
        outfile_dir (str, optional): Where result files are written. A
            temporary folder, deleted after scoring, is used when None
            (``tools/test.py`` sets ``<work_dir>/results``). Defaults to
            None.
        format_only (bool): Only write the result files. Defaults to False.
        interpolate_max_gap (int): Fill gaps of at most this many frames in
            each track by linear interpolation before writing; 0 disables.
            Defaults to 0.
        labels (Sequence[int], optional): Labels (indices into the
            dataset's classes) of the tracks written and scored; the MOT
            files have no class column and MOT17 scores pedestrians only,
            so a multi-class model sets the pedestrian label here. None
            writes every track. Defaults to None.
        metrics (Sequence[str]): TrackEval metric families.
            Defaults to ``('HOTA', 'CLEAR', 'Identity')``.
        collect_device (str): See :class:`mmengine.evaluator.BaseMetric`.
        prefix (str): Metric name prefix. Defaults to ``'motchallenge'``.
    """

    default_prefix = 'motchallenge'
    summary_keys = ('HOTA', 'DetA', 'AssA', 'MOTA', 'IDF1', 'IDSW', 'FP',
                    'FN', 'MT', 'ML')

    def __init__(self,
                 gt_root: Optional[str] = None,
                 gt_file: str = 'gt.txt',
                 outfile_dir: Optional[str] = None,
                 format_only: bool = False,
                 interpolate_max_gap: int = 0,
                 labels: Optional[Sequence[int]] = None,
                 metrics: Sequence[str] = ('HOTA', 'CLEAR', 'Identity'),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not format_only and gt_root is None:
            raise ValueError('MOTChallengeMetric needs gt_root to evaluate '
                             '(or format_only=True)')
        self.gt_root = gt_root
        self.gt_file = gt_file
        self.outfile_dir = outfile_dir
        self.format_only = format_only
        self.interpolate_max_gap = interpolate_max_gap
        self.labels = None if labels is None else tuple(labels)
        self.metric_families = tuple(metrics)
        self.last_results: Dict[str, Dict[str, float]] = {}

    def process_frame(self, frame) -> dict:
        """The video name and result rows of one frame."""
        meta = frame.metainfo
        number = meta.get('mot_frame_id', meta['frame_id'] + 1)
        return dict(video=meta.get('video_name', str(meta.get('video_id'))),
                    rows=track_rows_from_sample(frame, number, self.labels))


    def write_results(self, results: List[dict], out_dir: str) -> list:
        """Write one MOTChallenge file per video of ``results``.

        Args:
            results (list[dict]): Per-frame ``video`` and ``rows``.
            out_dir (str): The folder (created if needed).

        Returns:
            list[str]: The video names written, sorted.
        """
        per_video = defaultdict(list)
        for res in results:
            per_video[res['video']].append(res['rows'])
        os.makedirs(out_dir, exist_ok=True)
        for video, chunks in per_video.items():
            rows = np.concatenate(chunks, axis=0) if chunks else np.zeros(
                (0, 7))
            if self.interpolate_max_gap > 0:
                rows = interpolate_tracks(rows, self.interpolate_max_gap)
            write_mot_results(osp.join(out_dir, f'{video}.txt'), rows)
        return sorted(per_video)

    def dump_partial(self, out_dir: str) -> Dict[str, int]:
        """Write the results of the frames processed so far.

        Used when tracking stops early (an unreadable frame, an
        interruption): the frames already tracked are not lost.

        Args:
            out_dir (str): The folder receiving ``<video>.txt`` files.

        Returns:
            dict[str, int]: Number of frames written per video.
        """
        frames = defaultdict(int)
        for res in self.results:
            frames[res['video']] += 1
        if frames:
            self.write_results(self.results, out_dir)
        return dict(frames)

    def check_inputs(self, video_names: Sequence[str]) -> None:
        """Validate the ground truth of the videos before tracking them.

        Every ``<gt_root>/<video>/seqinfo.ini`` and ground-truth file must
        parse (see :mod:`qdtrack.datasets.mot_files`), so that a broken row
        is found before inference over all frames, not after it.

        Args:
            video_names (Sequence[str]): Names of the test videos.

        Raises:
            FileNotFoundError, ValueError: A missing or malformed file;
                the message names the file and line.
        """
        if self.format_only:
            return
        for video in video_names:
            seq_dir = osp.join(self.gt_root, video)
            length = read_seqinfo(seq_dir)['seqLength']
            read_mot_gt(osp.join(seq_dir, 'gt', self.gt_file),
                        max_frame=length)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write one file per video and evaluate them.

        Args:
            results (list[dict]): Per-frame rows gathered from all ranks.

        Returns:
            dict[str, float]: Combined metrics (percentages on 0-100, counts
            as numbers).
        """
        logger = MMLogger.get_current_instance()
        out_dir = self.outfile_dir
        tmp = None
        if out_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix='qdtrack_mot_')
            out_dir = tmp.name
        try:
            videos = self.write_results(results, out_dir)
            logger.info(f'wrote results of {len(videos)} sequences to '
                        f'{out_dir}')
            if self.format_only:
                return {}
            table = evaluate_mot_challenge(
                self.gt_root,
                out_dir,
                seq_names=videos,
                gt_file='{seq}/gt/' + self.gt_file,
                metrics=self.metric_families)
        finally:
            if tmp is not None:
                tmp.cleanup()
        self.last_results = table
        logger.info('\n' + format_mot_table(table))
        combined = table['COMBINED']
        return {k: float(v) for k, v in combined.items()}
