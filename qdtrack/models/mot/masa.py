"""MASA: instance matching learned from unlabeled images, on a frozen
backbone."""
import os.path as osp
from typing import List, Optional, Tuple

import torch
from mmdet.models.mot import BaseMOTModel
from mmdet.structures import DetDataSample, TrackSampleList
from mmengine.config import Config, ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from qdtrack.models.utils import jittered_proposals
from qdtrack.ops import use_cpu_roi_align
from qdtrack.registry import MODELS

from .embed_and_track import embed_and_track
from .given_observations import given_observations
from .pair_losses import pair_losses, split_pairs
from .utils import is_first_frame

BOX_SOURCES = ('distillation', 'given', 'detector')


def detector_model_config(detector: dict) -> dict:
    """The model config of ``detector``: itself, or read from the file it
    names (``dict(config=PATH, checkpoint=None)``).

    A config file's ``model`` is taken, or its ``model.detector`` when the
    file is a tracker's (e.g. a QDTrack config); ``checkpoint`` becomes the
    detector's ``init_cfg``.
    """
    if 'config' not in detector:
        return detector
    unknown = set(detector) - {'config', 'checkpoint'}
    if unknown:
        raise ValueError(f'detector=dict(config=..., checkpoint=...) takes '
                         f'no other key, got {sorted(unknown)}')
    path = detector['config']
    if not osp.isfile(path):
        raise FileNotFoundError(f'detector config not found: {path}')
    model = Config.fromfile(path).get('model')
    if model is None:
        raise ValueError(f'{path}: the config defines no `model`')
    model = model.get('detector', model)
    if detector.get('checkpoint'):
        model['init_cfg'] = dict(
            type='Pretrained', checkpoint=detector['checkpoint'])
    return model


@MODELS.register_module()
class MASA(BaseMOTModel):
    """Matching Anything by Segmenting Anything.

    `Li et al., CVPR 2024 <https://arxiv.org/abs/2406.04221>`_. A frozen
    backbone (its own, or the backbone of a frozen mmdet ``detector``)
    feeds an adapter (pyramid + fusion, :class:`MASAAdapter`) whose
    features serve an object-prior distillation head (class-agnostic RPN +
    RoI box head, trained on the proposal boxes of unlabeled images) and a
    quasi-dense track head, trained between two augmented views of one
    image whose instances correspond by their ids.

    Training follows :class:`QDTrack` (:func:`pair_losses`): RPN and RoI
    losses on the key view, the track loss between the views; every label
    is treated as 0.

    Test-time boxes (``box_source``):

    - ``'distillation'``: the distillation head proposes class-agnostic
      boxes (the paper's unified mode);
    - ``'given'``: the frame's given boxes (``public_detections``, e.g. a
      MOT17 ``det.txt``, via :func:`given_observations`) are embedded by
      the adapter and tracked;
    - ``'detector'``: the boxes and labels of ``detector.predict``.

    Parameter names follow the released checkpoints (``backbone``,
    ``masa_adapter``, ``rpn_head``, ``roi_head``, ``track_head``).

    Args:
        masa_adapter (dict): Config of the adapter.
        track_head (dict): Config of the track head
            (``QuasiDenseTrackHead``).
        backbone (dict, optional): Config of the backbone. Needed unless
            ``detector`` is given.
        detector (dict, optional): Config of an mmdet detector (load its
            weights with ``init_cfg=dict(type='Pretrained', ...)``), or
            ``dict(config=PATH, checkpoint=PATH)`` naming a detector's config
            file (its ``model``, or ``model.detector`` for a tracker config)
            and weights. It is always frozen and its backbone is used when
            ``backbone`` is None.
        rpn_head (dict, optional): Config of the class-agnostic RPN.
        roi_head (dict, optional): Config of the RoI head (one class).
        tracker (dict, optional): Config of the track manager.
        train_cfg (dict, optional): ``rpn``, ``rpn_proposal`` and ``rcnn``
            training configs of the distillation head. Without
            ``rpn_head``/``roi_head``, ``track_proposals`` (keyword
            arguments of :func:`jittered_proposals`) makes the proposals
            the track head samples from: boxes jittered around each view's
            instances (the no-distillation ablation).
        test_cfg (dict, optional): ``rpn`` and ``rcnn`` test configs.
        box_source (str): Where test boxes come from (see above).
            Defaults to ``'distillation'``.
        freeze_backbone (bool): Freeze the backbone and keep it in eval
            mode. Defaults to True.
        given_label (int): Label of given boxes. Defaults to 0.
        cpu_roi_align (bool): Use :class:`qdtrack.ops.RoIAlign` for CPU
            inference. Defaults to True.
        data_preprocessor (dict, optional): Usually mmdet's
            ``TrackDataPreprocessor``.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 masa_adapter: dict,
                 track_head: dict,
                 backbone: Optional[dict] = None,
                 detector: Optional[dict] = None,
                 rpn_head: Optional[dict] = None,
                 roi_head: Optional[dict] = None,
                 tracker: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 box_source: str = 'distillation',
                 freeze_backbone: bool = True,
                 given_label: int = 0,
                 cpu_roi_align: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        if box_source not in BOX_SOURCES:
            raise ValueError(f'box_source must be one of {BOX_SOURCES}, '
                             f'got {box_source!r}')
        if backbone is None and detector is None:
            raise ValueError('MASA needs a backbone or a detector')
        if box_source == 'detector' and detector is None:
            raise ValueError("box_source='detector' needs a detector")
        train_cfg = ConfigDict(train_cfg or {})
        test_cfg = ConfigDict(test_cfg or {})
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.box_source = box_source
        self.given_label = given_label
        self.freeze_backbone = freeze_backbone

        if backbone is not None:
            self.backbone = MODELS.build(backbone)
        if detector is not None:
            self.detector = MODELS.build(detector_model_config(detector))
            self.freeze_module('detector')
        self.masa_adapter = MODELS.build(masa_adapter)
        if rpn_head is not None:
            rpn_head = ConfigDict(rpn_head)
            if rpn_head.get('num_classes', 1) != 1:
                raise ValueError('the MASA RPN is class-agnostic: '
                                 'num_classes must be 1')
            rpn_head.update(
                num_classes=1,
                train_cfg=train_cfg.get('rpn'),
                test_cfg=test_cfg.get('rpn'))
            self.rpn_head = MODELS.build(rpn_head)
        if roi_head is not None:
            roi_head = ConfigDict(roi_head)
            roi_head.update(
                train_cfg=train_cfg.get('rcnn'),
                test_cfg=test_cfg.get('rcnn'))
            self.roi_head = MODELS.build(roi_head)
        if box_source == 'distillation' and not self.with_distillation:
            raise ValueError("box_source='distillation' needs rpn_head and "
                             'roi_head')
        self.track_head = MODELS.build(track_head)
        if tracker is not None:
            self.tracker = MODELS.build(tracker)
        if freeze_backbone and backbone is not None:
            self.freeze_module('backbone')
        if cpu_roi_align:
            use_cpu_roi_align(self)

    @property
    def with_distillation(self) -> bool:
        """Whether the model has the object-prior distillation head."""
        return hasattr(self, 'rpn_head') and hasattr(self, 'roi_head')

    @property
    def feature_backbone(self) -> torch.nn.Module:
        """The backbone whose features the adapter takes."""
        if hasattr(self, 'backbone'):
            return self.backbone
        return self.detector.backbone

    def train(self, mode: bool = True) -> 'MASA':
        """Set the training mode; frozen parts stay in eval mode."""
        super().train(mode)
        if self.freeze_backbone and hasattr(self, 'backbone'):
            self.backbone.eval()
        if hasattr(self, 'detector'):
            self.detector.eval()
        return self

    def extract_feat(self, img: Tensor) -> Tuple[Tensor, ...]:
        """Adapter features of images.

        Args:
            img (Tensor): Shape (N, C, H, W).

        Returns:
            tuple[Tensor]: Pyramid levels, each (N, C', H_l, W_l).
        """
        frozen = self.freeze_backbone or not hasattr(self, 'backbone')
        with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):
            feats = self.feature_backbone(img)
        return self.masa_adapter(feats)

    def loss(self, inputs: Tensor, data_samples: TrackSampleList,
             **kwargs) -> dict:
        """Distillation and tracking losses of a batch of view pairs.

        Args:
            inputs (Tensor): Normalised images (N, 2, C, H, W): the two
                views of each image (key and reference).
            data_samples (list[TrackDataSample]): N pairs; each view has
                ``gt_instances`` with ``bboxes`` (G, 4), ``labels`` (G, )
                and ``instances_ids`` (G, ) shared between the views.

        Returns:
            dict[str, Tensor]: ``loss_rpn_cls``, ``loss_rpn_bbox``,
            ``loss_cls``, ``loss_bbox``, ``acc``, ``loss_track`` and
            ``loss_track_aux`` (only the last two without the distillation
            head).
        """
        jitter_cfg = self.train_cfg.get('track_proposals')
        if not self.with_distillation and jitter_cfg is None:
            raise RuntimeError(
                'training MASA without rpn_head and roi_head needs '
                'train_cfg.track_proposals (the settings of '
                'qdtrack.models.utils.jittered_proposals): the track head '
                'samples its RoIs among proposals')
        key_imgs, ref_imgs, key_samples, ref_samples = split_pairs(
            inputs, data_samples)
        x = self.extract_feat(key_imgs)
        ref_x = self.extract_feat(ref_imgs)
        if not self.with_distillation:
            key_proposals, ref_proposals = [[
                InstanceData(bboxes=jittered_proposals(
                    s.gt_instances.bboxes, s.metainfo['img_shape'],
                    **jitter_cfg)) for s in samples
            ] for samples in (key_samples, ref_samples)]
            return self.track_head.loss(x, ref_x, key_proposals,
                                        ref_proposals, data_samples)
        proposal_cfg = self.train_cfg.get('rpn_proposal', self.test_cfg.rpn)
        return pair_losses(x, ref_x, self.rpn_head, self.roi_head,
                           self.track_head, data_samples, proposal_cfg,
                           class_agnostic=True)

    def predict(self,
                inputs: Tensor,
                data_samples: TrackSampleList,
                rescale: bool = True,
                **kwargs) -> TrackSampleList:
        """Track the frames of one video clip.

        The tracker is reset at the first frame of each video.

        Args:
            inputs (Tensor): Shape (1, T, C, H, W).
            data_samples (list[TrackDataSample]): One sample with T frames
                (``frame_id``, ``img_shape``, ``scale_factor``; with
                ``box_source='given'`` also ``public_detections``).
            rescale (bool): Return boxes in original image coordinates.
                Defaults to True.

        Returns:
            list[TrackDataSample]: Every frame gets ``pred_instances`` (the
            boxes tracked) and ``pred_track_instances`` (``bboxes``,
            ``scores``, ``labels``, ``instances_id``).
        """
        if inputs.dim() != 5 or inputs.size(0) != 1 or \
                len(data_samples) != 1:
            raise ValueError('MASA predicts one video at a time: inputs '
                             f'(1, T, C, H, W), got {tuple(inputs.shape)}')
        if not self.with_tracker:
            raise RuntimeError('MASA.predict needs a tracker')
        track_sample = data_samples[0]
        for t in range(len(track_sample)):
            frame = track_sample[t]
            if is_first_frame(frame):
                self.tracker.reset()
            frame.pred_track_instances = self.predict_frame(
                inputs[:, t].contiguous(), frame, rescale)
        return [track_sample]

    def frame_boxes(self, img: Tensor, feats: List[Tensor],
                    frame: DetDataSample, rescale: bool) -> InstanceData:
        """The boxes to track in one frame, from ``box_source``.

        Args:
            img (Tensor): The frame (1, C, H, W).
            feats (list[Tensor]): Its adapter features.
            frame (DetDataSample): Its data sample.
            rescale (bool): Boxes in original image coordinates.

        Returns:
            InstanceData: ``bboxes`` (K, 4), ``scores`` (K, ), ``labels``
            (K, ); in original image coordinates when ``rescale`` or when
            given.
        """
        if self.box_source == 'given':
            bboxes, scores, labels = given_observations(
                frame, self.given_label, owner="MASA (box_source='given')")
            return InstanceData(bboxes=bboxes, scores=scores, labels=labels)
        if self.box_source == 'detector':
            pred = self.detector.predict(img, [frame], rescale=rescale)[0]
            return pred.pred_instances
        proposals = self.rpn_head.predict(feats, [frame])
        return self.roi_head.predict(
            feats, proposals, [frame], rescale=rescale)[0]

    def predict_frame(self, img: Tensor, frame: DetDataSample,
                      rescale: bool = True) -> InstanceData:
        """Find, embed and track the boxes of a single frame.

        Args:
            img (Tensor): The frame, shape (1, C, H, W).
            frame (DetDataSample): Its data sample; gets
                ``pred_instances``.
            rescale (bool): Boxes in original image coordinates.

        Returns:
            InstanceData: Tracked ``bboxes``, ``scores``, ``labels`` and
            ``instances_id``.
        """
        feats = self.extract_feat(img)
        det = self.frame_boxes(img, feats, frame, rescale)
        frame.pred_instances = det
        rescaled = rescale or self.box_source == 'given'
        return embed_and_track(self.tracker, self.track_head, feats, frame,
                               det.bboxes, det.scores, det.labels,
                               rescaled=rescaled)
