"""QDTrack: Faster R-CNN + quasi-dense track head + track manager."""
from typing import Optional

import torch
from mmdet.models.mot import BaseMOTModel
from mmdet.structures import DetDataSample, TrackSampleList
from mmengine.structures import InstanceData
from torch import Tensor

from qdtrack.ops import use_cpu_roi_align
from qdtrack.registry import MODELS

from .embed_and_track import embed_and_track
from .given_observations import given_observations
from .pair_losses import pair_losses, split_pairs
from .public_detections import public_init_mask
from .utils import is_first_frame


@MODELS.register_module()
class QDTrack(BaseMOTModel):
    """Quasi-Dense Similarity Learning for multiple object tracking.

    `Pang et al., CVPR 2021 <https://arxiv.org/abs/2006.06664>`_. A
    two-stage detector (mmdet's ``FasterRCNN``) and a quasi-dense track
    head are trained jointly on pairs of a key and a reference frame; at
    test time the embeddings of the detections feed a track manager.

    Unlike mmdet 3.3's ``QDTrack``, the RoI head sees the real class labels
    (only the class-agnostic RPN sees zeros), so multi-class detectors
    train correctly, and the data samples given to :meth:`loss` are not
    modified.

    Args:
        detector (dict): Config of a two-stage detector with an RPN.
        track_head (dict): Config of the track head
            (``QuasiDenseTrackHead``).
        tracker (dict, optional): Config of the track manager (e.g.
            ``QuasiDenseTrackManager``), with ``reset()`` and
            ``track(bboxes, scores, labels, embeds, frame_id)`` returning an
            ``InstanceData`` of the tracked ``bboxes``, ``scores``,
            ``labels`` and ``ids``. Needed by :meth:`predict` only.
        freeze_detector (bool): Freeze the detector and train the track
            head only. Defaults to False.
        cpu_roi_align (bool): Replace mmcv's ``RoIAlign`` layers by
            :class:`qdtrack.ops.RoIAlign`: same results, about 20x faster
            for CPU inference (parallel, reads channels-last features in
            place); training, CUDA and max pooling still use mmcv's op.
            Defaults to True.
        public_det_iou_thr (float, optional): Public-detection protocol
            (MOT17 "public"): a detection may start a new track only if it
            overlaps one of the frame's ``public_detections`` with IoU >=
            this threshold; detections matched to a track are kept
            whatever their overlap (see
            :mod:`qdtrack.models.mot.public_detections`). None (default)
            is the private protocol.
        given_observations (bool): Given-observation mode: at test time
            the RPN and RoI box head do not run; the frame's given boxes
            (``public_detections``: MOT17 ``det.txt`` or COCO results, see
            :func:`~qdtrack.models.mot.given_observations.given_observations`)
            are embedded by the track head and tracked, so that trackers
            can be compared on identical boxes. Training is unchanged.
            Defaults to False.
        given_label (int): Label of every given box (the files carry no
            class). Defaults to 0.
        data_preprocessor (dict, optional): Config of the data
            preprocessor, usually mmdet's ``TrackDataPreprocessor``.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 detector: dict,
                 track_head: dict,
                 tracker: Optional[dict] = None,
                 freeze_detector: bool = False,
                 cpu_roi_align: bool = True,
                 public_det_iou_thr: Optional[float] = None,
                 given_observations: bool = False,
                 given_label: int = 0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        self.public_det_iou_thr = public_det_iou_thr
        self.given_observations = given_observations
        self.given_label = given_label
        self.detector = MODELS.build(detector)
        assert self.detector.with_rpn and self.detector.with_roi_head, \
            'QDTrack needs a two-stage detector with an RPN.'
        self.track_head = MODELS.build(track_head)
        if tracker is not None:
            self.tracker = MODELS.build(tracker)
        self.freeze_detector = freeze_detector
        if freeze_detector:
            self.freeze_module('detector')
        if cpu_roi_align:
            use_cpu_roi_align(self)

    def train(self, mode: bool = True) -> 'QDTrack':
        """Set the training mode; a frozen detector stays in eval mode."""
        super().train(mode)
        if self.freeze_detector:
            self.detector.eval()
        return self

    split_frames = staticmethod(split_pairs)

    def loss(self, inputs: Tensor, data_samples: TrackSampleList,
             **kwargs) -> dict:
        """Detection and tracking losses of a batch of frame pairs.

        Args:
            inputs (Tensor): Normalised images of shape (N, T, C, H, W),
                T = 2 (key and reference frame), as produced by mmdet's
                ``TrackDataPreprocessor``.
            data_samples (list[TrackDataSample]): N frame pairs; each frame
                has ``gt_instances`` with ``bboxes`` (G, 4), ``labels``
                (G, ) and ``instances_ids`` (G, ).

        Returns:
            dict[str, Tensor]: RPN losses (``loss_rpn_*``), RoI head losses
            (``loss_cls``, ``loss_bbox``, ``acc``) and track losses
            (``loss_track``, ``loss_track_aux``).
        """
        assert inputs.dim() == 5 and inputs.size(1) == 2, \
            'QDTrack takes inputs (N, 2, C, H, W): one key and one ' \
            f'reference frame, got {tuple(inputs.shape)}'
        key_imgs, ref_imgs, _, _ = self.split_frames(inputs, data_samples)
        detector = self.detector
        x = detector.extract_feat(key_imgs)
        ref_x = detector.extract_feat(ref_imgs)
        proposal_cfg = detector.train_cfg.get('rpn_proposal',
                                              detector.test_cfg.rpn)
        return pair_losses(x, ref_x, detector.rpn_head, detector.roi_head,
                           self.track_head, data_samples, proposal_cfg)

    def predict(self,
                inputs: Tensor,
                data_samples: TrackSampleList,
                rescale: bool = True,
                **kwargs) -> TrackSampleList:
        """Detect and track the frames of one video clip.

        The tracker is reset at the first frame of each video.

        Args:
            inputs (Tensor): Shape (1, T, C, H, W): T consecutive frames
                of one video (usually T = 1).
            data_samples (list[TrackDataSample]): One sample with T frames;
                each frame's metainfo has ``frame_id``, ``img_shape`` and
                ``scale_factor``.
            rescale (bool): Return boxes in original image coordinates.
                Defaults to True.

        Returns:
            list[TrackDataSample]: The input sample; every frame gets
            ``pred_instances`` (the detections) and ``pred_track_instances``
            (``bboxes`` (K, 4) xyxy, ``scores`` (K, ), ``labels`` (K, ),
            ``instances_id`` (K, )).
        """
        assert inputs.dim() == 5, 'inputs must be (N, T, C, H, W)'
        assert inputs.size(0) == 1 and len(data_samples) == 1, \
            'QDTrack predicts one video at a time (batch size 1).'
        assert self.with_tracker, 'predict needs a tracker'
        track_sample = data_samples[0]
        for t in range(len(track_sample)):
            frame = track_sample[t]
            if is_first_frame(frame):
                self.tracker.reset()
            frame.pred_track_instances = self.predict_frame(
                inputs[:, t].contiguous(), frame, rescale)
        return [track_sample]

    def predict_frame(self, img: Tensor, frame: DetDataSample,
                      rescale: bool = True) -> InstanceData:
        """Detect (or take the given boxes), embed and track one frame.

        Args:
            img (Tensor): The frame, shape (1, C, H, W).
            frame (DetDataSample): Its data sample; gets ``pred_instances``
                (the detections, or the given boxes).
            rescale (bool): Boxes in original image coordinates.

        Returns:
            InstanceData: Tracked ``bboxes``, ``scores``, ``labels`` and
            ``instances_id``.
        """
        x = self.detector.extract_feat(img)
        if self.given_observations:
            det = self.given_frame_boxes(frame, img.device, rescale)
        else:
            proposals = self.detector.rpn_head.predict(x, [frame])
            det = self.detector.roi_head.predict(
                x, proposals, [frame], rescale=rescale)[0]
        frame.pred_instances = det
        init_mask = None
        if self.public_det_iou_thr is not None:
            if 'public_detections' not in frame:
                raise KeyError(
                    'public_det_iou_thr is set but the frame has no '
                    '"public_detections": set public_det_file in the test '
                    "dataset and add 'public_detections' to the meta_keys of "
                    'PackTrackInputs')
            init_mask = public_init_mask(det.bboxes, frame.public_detections,
                                         self.public_det_iou_thr)
        return embed_and_track(self.tracker, self.track_head, x, frame,
                               det.bboxes, det.scores, det.labels,
                               rescaled=rescale, init_mask=init_mask)

    def given_frame_boxes(self, frame: DetDataSample, device: torch.device,
                          rescale: bool = True) -> InstanceData:
        """The frame's given boxes as detections (given-observation mode).

        Args:
            frame (DetDataSample): A test frame with ``public_detections``.
            device (torch.device): Device of the output.
            rescale (bool): Keep the boxes in original image coordinates;
                False scales them to the network input by ``scale_factor``,
                like the detector's boxes without rescaling.

        Returns:
            InstanceData: ``bboxes`` (K, 4), ``scores`` (K, ), ``labels``
            (K, ), unchanged from the given boxes.
        """
        bboxes, scores, labels = given_observations(
            frame, self.given_label,
            owner='QDTrack with given_observations=True')
        bboxes = bboxes.to(device)
        if not rescale:
            scale = bboxes.new_tensor(frame.metainfo['scale_factor'])
            bboxes = bboxes * scale.repeat(2)
        return InstanceData(bboxes=bboxes, scores=scores.to(device),
                            labels=labels.to(device))
