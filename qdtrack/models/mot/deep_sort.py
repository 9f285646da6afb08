"""DeepSORT as a whole model: given boxes, ReID embeddings, DeepSORT."""
import copy
from typing import Optional

import torch
from mmdet.models.mot import BaseMOTModel
from mmdet.structures import TrackSampleList
from mmengine.runner import CheckpointLoader, load_state_dict
from torch import Tensor

from qdtrack.registry import MODELS
from qdtrack.utils.box_crops import crop_boxes

from .given_observations import given_observations
from .utils import associate, is_first_frame


@MODELS.register_module()
class DeepSORT(BaseMOTModel):
    """DeepSORT on given (or detected) boxes with any ReID model.

    Every box of a frame is cut from the test image
    (:func:`~qdtrack.utils.box_crops.crop_boxes`, the crop used to train the
    ReID model), embedded by ``reid.embed_crops`` and tracked by
    :class:`~qdtrack.models.trackers.DeepSORTTracker`. With SimpleReID this
    is the setting of "Simple Unsupervised Multi-Object Tracking"; with a
    random-init or ImageNet ``reid`` it gives that paper's baselines; with
    ``reid=None`` the tracker runs without appearance.

    The test pipeline must leave pixels unnormalised (BGR 0-255, as the
    ReID training crops): use ``TrackDataPreprocessor`` without
    ``mean``/``std``; the ReID model normalises its crops itself.

    Args:
        tracker (dict): Config of the tracker: ``DeepSORTTracker``, or any
            other of ours (:func:`~qdtrack.models.mot.utils.associate`),
            e.g. the quasi-dense track manager with ``match_metric=
            'cosine'`` to compare ReID embeddings with QDTrack's and MASA's
            in the same association.
        reid (dict, optional): ReID model config (e.g. ``SimpleReID``).
        reid_checkpoint (str, optional): Checkpoint of the ReID model (a
            ``tools/train.py`` checkpoint of it). Loaded strictly at build
            time; the identity classifier is sized from it.
        detector (dict, optional): Detector config; None reads the frame's
            given boxes (``public_detections``).
        label (int): Label of given boxes. Defaults to 0.
        data_preprocessor (dict, optional): Model preprocessing config.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 tracker: dict,
                 reid: Optional[dict] = None,
                 reid_checkpoint: Optional[str] = None,
                 detector: Optional[dict] = None,
                 label: int = 0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        self.detector = MODELS.build(detector) if detector else None
        self.tracker = MODELS.build(tracker)
        self.label = label
        self.reid = None
        if reid is not None:
            reid = copy.deepcopy(reid)
            state = None
            if reid_checkpoint is not None:
                ckpt = CheckpointLoader.load_checkpoint(
                    reid_checkpoint, map_location='cpu')
                state = ckpt.get('state_dict', ckpt)
                weight = state.get('head.classifier.weight')
                if weight is not None:
                    reid['head']['num_classes'] = int(weight.shape[0])
            self.reid = MODELS.build(reid)
            if state is not None:
                load_state_dict(self.reid, state, strict=True)
                self.reid._is_init = True  # keep the weights on init
            else:  # e.g. ImageNet weights of the backbone
                self.reid.init_weights()
            # frozen: its weights come from reid_checkpoint or its init
            self.reid.requires_grad_(False)
            self.reid.eval()

    def train(self, mode: bool = True) -> 'DeepSORT':
        """The ReID model stays in eval mode (frozen)."""
        super().train(mode)
        if self.reid is not None:
            self.reid.eval()
        return self

    def loss(self, inputs, data_samples, **kwargs) -> dict:
        """Nothing to train here: train the ReID model on its own."""
        raise RuntimeError('DeepSORT is not trained end to end: train its '
                           'ReID model with a ReID config (e.g. '
                           'configs/simplereid/) and its detector apart')

    def _frame_boxes(self, img: Tensor, frame):
        if self.detector is not None:
            pred = self.detector.predict(img[None], [frame])[0]
            pred = pred.pred_instances
            return pred.bboxes, pred.scores, pred.labels
        return given_observations(frame, self.label,
                                  owner='DeepSORT without a detector')

    def embed(self, img: Tensor, bboxes: Tensor, frame) -> Tensor:
        """ReID embeddings (N, D) of boxes in original image coordinates."""
        scale = frame.metainfo.get('scale_factor', (1.0, 1.0))
        scale = bboxes.new_tensor([scale[0], scale[1], scale[0], scale[1]])
        crops = crop_boxes(img, bboxes.to(img.device) * scale.to(img.device),
                           self.reid.crop_size)
        return self.reid.embed_crops(crops)

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples: TrackSampleList,
                rescale: bool = True, **kwargs) -> TrackSampleList:
        """Track each frame (one frame per sample in test).

        Args:
            inputs (Tensor): (N, T, C, H, W) unnormalised images.
            data_samples (list[TrackDataSample]): Frames with metainfo.
            rescale (bool): Unused: boxes stay in original coordinates.

        Returns:
            list[TrackDataSample]: Frames with ``pred_track_instances``
            (``bboxes``, ``scores``, ``labels``, ``instances_id``).
        """
        for video_idx, track_sample in enumerate(data_samples):
            for t, frame in enumerate(track_sample.video_data_samples):
                if is_first_frame(frame):
                    self.tracker.reset()
                img = inputs[video_idx, t]
                bboxes, scores, labels = self._frame_boxes(img, frame)
                embeds = None
                if self.reid is not None:
                    embeds = self.embed(img, bboxes, frame)
                frame.pred_track_instances = associate(
                    self.tracker, bboxes, scores, labels, embeds,
                    frame.metainfo['frame_id'])
        return data_samples
