"""SORT as a whole model: public or detector boxes + the SORT tracker."""
from typing import Optional

from mmdet.models.mot import BaseMOTModel
from mmdet.structures import TrackSampleList
from torch import Tensor

from qdtrack.registry import MODELS

from .given_observations import given_observations
from .utils import is_first_frame, track_instances


@MODELS.register_module()
class SORT(BaseMOTModel):
    """SORT (Bewley et al., 2016): IoU-only tracking of given boxes.

    Boxes come from ``detector`` when one is configured, otherwise from the
    frame's ``public_detections`` metainfo (MOT17 ``det/det.txt``, attached
    by :class:`~qdtrack.datasets.CocoVideoDataset` with ``public_det_file``).
    It has nothing to train.

    Args:
        tracker (dict): Config of the SORT tracker.
        detector (dict, optional): Config of a detector. Defaults to None.
        label (int): Label given to public detections. Defaults to 0.
        data_preprocessor (dict, optional): Model preprocessing config.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 tracker: dict,
                 detector: Optional[dict] = None,
                 label: int = 0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        self.detector = MODELS.build(detector) if detector else None
        self.tracker = MODELS.build(tracker)
        self.label = label

    def loss(self, inputs, data_samples, **kwargs) -> dict:
        """SORT has no learnable part; train the detector on its own."""
        raise RuntimeError('SORT has nothing to train: train its detector '
                           'with a detection config instead')

    def _frame_boxes(self, inputs: Tensor, frame_sample):
        """Boxes (N, 4), scores (N,), labels (N,) of one frame."""
        if self.detector is not None:
            det = self.detector.predict(inputs, [frame_sample])[0]
            pred = det.pred_instances
            return pred.bboxes, pred.scores, pred.labels
        return given_observations(frame_sample, self.label,
                                  owner='SORT without a detector')

    def predict(self, inputs: Tensor, data_samples: TrackSampleList,
                rescale: bool = True, **kwargs) -> TrackSampleList:
        """Track the frames of each sample (one frame per sample in test).

        Args:
            inputs (Tensor): (N, T, C, H, W) images.
            data_samples (list[TrackDataSample]): frames with metainfo.
            rescale (bool): Boxes in original image coordinates (detector
                boxes are rescaled; public boxes already are).

        Returns:
            list[TrackDataSample]: each frame gets ``pred_track_instances``
            with ``bboxes`` (M, 4), ``scores``, ``labels``, ``instances_id``.
        """
        for video_idx, track_sample in enumerate(data_samples):
            for t, frame in enumerate(track_sample.video_data_samples):
                if is_first_frame(frame):
                    self.tracker.reset()
                img = inputs[video_idx, t][None]
                bboxes, scores, labels = self._frame_boxes(img, frame)
                out = self.tracker.track(
                    bboxes=bboxes.detach().cpu().numpy(),
                    scores=scores.detach().cpu().numpy(),
                    labels=labels.detach().cpu().numpy(),
                    frame_id=frame.metainfo['frame_id'])
                frame.pred_track_instances = track_instances(out)
        return data_samples
