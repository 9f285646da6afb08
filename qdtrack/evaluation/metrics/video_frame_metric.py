"""Base class of the tracking metrics: one result per video frame."""
from abc import abstractmethod
from typing import Any, Sequence

from mmengine.dist import (
    all_gather_object,
    broadcast_object_list,
    is_distributed,
    is_main_process,
)
from mmengine.evaluator import BaseMetric


class VideoFrameMetric(BaseMetric):
    """A metric that collects one result per test frame.

    Subclasses implement :meth:`process_frame` (one frame's data sample ->
    one picklable result) and ``compute_metrics`` (all results -> metrics).
    """

    @abstractmethod
    def process_frame(self, frame) -> Any:
        """The result of one frame (a ``DetDataSample`` with predictions)."""

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Collect the result of every frame of the batch."""
        for track_sample in data_samples:
            # mmengine's Evaluator passes TrackDataSample.to_dict(); its
            # frames stay DetDataSample objects.
            frames = (track_sample['video_data_samples'] if isinstance(
                track_sample, dict) else track_sample.video_data_samples)
            self.results.extend(self.process_frame(f) for f in frames)

    def evaluate(self, size: int = 0) -> dict:
        """Gather the frames of all ranks, then compute on the main one.

        mmengine's ``BaseMetric.evaluate`` truncates the collected results to
        ``size``, the length of the dataset, which for a video dataset is the
        number of videos, not of frames; every frame is kept here instead.
        Each rank tracks whole videos, so no frame is seen twice.

        Args:
            size (int): Ignored (see above).

        Returns:
            dict: Prefixed metrics, the same on every rank.
        """
        results = self.results
        if is_distributed():
            results = [r for part in all_gather_object(results) for r in part]
        metrics = [None]
        if is_main_process():
            metrics = [{f'{self.prefix}/{k}': v
                        for k, v in self.compute_metrics(results).items()}]
        broadcast_object_list(metrics)
        self.results.clear()
        return metrics[0]
