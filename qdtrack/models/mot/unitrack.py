"""UniTrack: given boxes + a frozen appearance model's point features."""
from typing import Optional, Sequence, Tuple

import torch
from mmdet.models.mot import BaseMOTModel
from mmdet.structures import TrackSampleList
from mmengine.structures import InstanceData
from torch import Tensor, nn

from qdtrack.ops import RoIAlign
from qdtrack.registry import MODELS

from .given_observations import given_observations
from .utils import associate, is_first_frame


class GivenBoxAppearanceModel(BaseMOTModel):
    """Tracks given boxes with a frozen appearance model (base class).

    Boxes are read with
    :func:`~qdtrack.models.mot.given_observations.given_observations`;
    subclasses define ``point_features(img, bboxes)`` (features (N, C, H, W)
    of boxes in the input image) and the tracker (``UniTrackTracker``, or
    any other of ours: :func:`~qdtrack.models.mot.utils.associate`)
    associates them. Nothing is trained.

    Args:
        tracker (dict): Config of the tracker.
        label (int): Label of the given boxes. Defaults to 0.
        data_preprocessor (dict, optional): Model preprocessing config.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 tracker: dict,
                 label: int = 0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        self.tracker = MODELS.build(tracker)
        self.label = label

    def loss(self, inputs, data_samples, **kwargs) -> dict:
        """The appearance model is frozen: nothing to train here."""
        raise RuntimeError(f'{type(self).__name__} uses a frozen appearance '
                           'model and has nothing to train')

    def _freeze(self, name: str) -> None:
        """Freeze the child module ``name`` (kept in eval mode)."""
        getattr(self, name).requires_grad_(False)
        getattr(self, name).eval()
        self._frozen_name = name

    def train(self, mode: bool = True) -> 'GivenBoxAppearanceModel':
        """The appearance model stays in eval mode (frozen)."""
        super().train(mode)
        if getattr(self, '_frozen_name', None):
            getattr(self, self._frozen_name).eval()
        return self

    def predict_frame(self, img: Tensor, frame) -> InstanceData:
        """Embed and track the given boxes of one frame.

        Args:
            img (Tensor): (1, C, H, W) normalised input image.
            frame (DetDataSample): The frame, with ``public_detections``
                (original image coordinates) and ``scale_factor``.

        Returns:
            InstanceData: ``bboxes`` (K, 4) in original image coordinates,
            ``scores``, ``labels``, ``instances_id``.
        """
        bboxes, scores, labels = given_observations(
            frame, self.label, owner=type(self).__name__)
        bboxes = bboxes.to(img.device)
        scale = bboxes.new_tensor(
            frame.metainfo.get('scale_factor', (1.0, 1.0))).repeat(2)
        feats = self.point_features(img, bboxes * scale)
        return associate(self.tracker, bboxes, scores, labels, feats,
                         frame.metainfo['frame_id'])

    def predict(self, inputs: Tensor, data_samples: TrackSampleList,
                rescale: bool = True, **kwargs) -> TrackSampleList:
        """Track the frames of each sample (one frame per sample in test).

        Args:
            inputs (Tensor): (N, T, C, H, W) images.
            data_samples (list[TrackDataSample]): Frames with metainfo.
            rescale (bool): Unused: the given boxes are in original image
                coordinates and so are the outputs.

        Returns:
            list[TrackDataSample]: Each frame gets ``pred_track_instances``.
        """
        for video_idx, track_sample in enumerate(data_samples):
            for t, frame in enumerate(track_sample.video_data_samples):
                if is_first_frame(frame):
                    self.tracker.reset()
                frame.pred_track_instances = self.predict_frame(
                    inputs[video_idx, t][None].contiguous(), frame)
        return data_samples


@MODELS.register_module()
class UniTrack(GivenBoxAppearanceModel):
    """UniTrack's box tracker (Wang et al., NeurIPS 2021) on given boxes.

    Any frozen backbone gives the appearance model: the feature map
    ``backbone(img)[feat_index]`` (stride 8 in the paper) is sampled by
    RoIAlign at a grid of ``point_grid`` (rows, columns) points per box, as
    the public code does (torchvision's ``roi_align`` with
    ``output_size=(4, 10)``, adaptive sampling, ``aligned=False``, boxes
    scaled by the feature-map to input size ratio of each axis). The point
    features go to a :class:`~qdtrack.models.trackers.UniTrackTracker`.
    Boxes are read with
    :func:`~qdtrack.models.mot.given_observations.given_observations`.
    Nothing is trained.

    Args:
        backbone (dict): Config of the backbone (e.g. ``DSRMobileNetV2``
            with ``out_indices=(2, )`` for stride 8).
        tracker (dict): Config of the tracker (``UniTrackTracker``).
        feat_index (int): Which backbone output to use. Defaults to 0.
        point_grid (tuple[int, int]): RoIAlign output size (rows, columns).
            Defaults to (4, 10).
        sampling_ratio (int): RoIAlign samples per bin side; 0 adapts to the
            box. Defaults to 0.
        aligned (bool): RoIAlign pixel-centre alignment. Defaults to False.
        stride_one_layers (Sequence[str]): Backbone children whose
            convolutions get stride 1, as the public code does to ResNet's
            layer3 for stride-8 features (``('layer3', )`` with mmdet's
            ``ResNet(depth=18, num_stages=3, out_indices=(2, ))``); no
            dilation is added. Defaults to ().
        label (int): Label of the given boxes. Defaults to 0.
        init_backbone (bool): Initialise the backbone's weights (its
            ``init_cfg`` or own ``init_weights``) when the model is built:
            a test without a checkpoint never initialises weights otherwise.
            Defaults to True.
        data_preprocessor (dict, optional): Model preprocessing config.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 backbone: dict,
                 tracker: dict,
                 feat_index: int = 0,
                 point_grid: Tuple[int, int] = (4, 10),
                 sampling_ratio: int = 0,
                 aligned: bool = False,
                 stride_one_layers: Sequence[str] = (),
                 label: int = 0,
                 init_backbone: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(tracker, label, data_preprocessor, init_cfg)
        self.backbone = MODELS.build(backbone)
        if init_backbone:
            self.backbone.init_weights()
        for name in stride_one_layers:
            layer = getattr(self.backbone, name, None)
            if not isinstance(layer, nn.Module):
                raise ValueError(f'stride_one_layers: the backbone has no '
                                 f'layer {name!r}')
            for module in layer.modules():
                if isinstance(module, nn.Conv2d):
                    module.stride = (1, 1)
        self._freeze('backbone')
        self.feat_index = feat_index
        self.roi_align = RoIAlign(
            tuple(point_grid), spatial_scale=1.0,
            sampling_ratio=sampling_ratio, aligned=aligned)

    @torch.no_grad()
    def point_features(self, img: Tensor, bboxes: Tensor) -> Tensor:
        """Point features of boxes in one image.

        Args:
            img (Tensor): (1, C, H, W) normalised input image.
            bboxes (Tensor): (N, 4) boxes in the input image's coordinates.

        Returns:
            Tensor: (N, C', rows, columns) point features.
        """
        feat = self.backbone(img)[self.feat_index]
        scale = bboxes.new_tensor([
            feat.size(-1) / img.size(-1), feat.size(-2) / img.size(-2)
        ]).repeat(2)
        rois = torch.cat(
            [bboxes.new_zeros((len(bboxes), 1)), bboxes * scale], dim=1)
        return self.roi_align(feat.float(), rois.float())
