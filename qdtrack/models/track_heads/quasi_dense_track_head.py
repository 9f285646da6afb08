"""Track head of QDTrack: RoI sampling on a frame pair + embedding head."""
from typing import List, Optional, Tuple

import torch
from mmdet.models.task_modules import AssignResult, SamplingResult
from mmdet.structures import DetDataSample, TrackSampleList
from mmdet.structures.bbox import bbox2roi
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from qdtrack.registry import MODELS, TASK_UTILS

MATCH_MODES = ('multi_positive', 'one_positive', 'sparse')


def gt_match_indices(key_ids: Tensor, ref_ids: Tensor) -> Tensor:
    """Index of the reference gt of the same instance as every key gt.

    Instance ids >= 0 are identities (0 included); negative ids mean
    "no identity" and never match.

    Args:
        key_ids (Tensor): Instance ids of the key-frame gts, shape (K, ).
        ref_ids (Tensor): Instance ids of the reference gts, shape (M, ).

    Returns:
        Tensor: Long tensor of shape (K, ): the index of the first
        reference gt with the same id, or -1.
    """
    key_ids = key_ids.long().view(-1)
    ref_ids = ref_ids.long().view(-1)
    same = (key_ids[:, None] == ref_ids[None, :]) & (key_ids[:, None] >= 0)
    # column 0 of the padded matrix stands for "no match"
    padded = torch.cat([~same.any(dim=1, keepdim=True), same], dim=1)
    return padded.int().argmax(dim=1) - 1


def gt_sampling_result(gt_instances: InstanceData) -> SamplingResult:
    """A sampling result whose samples are exactly the ground-truth boxes.

    Used by the ``'sparse'`` match mode (only gts are embedded).

    Args:
        gt_instances (InstanceData): Ground truth with ``bboxes`` (G, 4)
            and ``labels`` (G, ).

    Returns:
        SamplingResult: G positives (gt ``i`` assigned to itself), no
        negatives.
    """
    bboxes = gt_instances.bboxes
    num_gts = len(bboxes)
    gt_inds = torch.arange(1, num_gts + 1, device=bboxes.device)
    assign_result = AssignResult(
        num_gts=num_gts,
        gt_inds=gt_inds,
        max_overlaps=bboxes.new_ones(num_gts),
        labels=gt_instances.labels)
    return SamplingResult(
        pos_inds=gt_inds - 1,
        neg_inds=gt_inds.new_zeros(0),
        priors=bboxes,
        gt_bboxes=bboxes,
        assign_result=assign_result,
        gt_flags=bboxes.new_ones(num_gts, dtype=torch.uint8))


@MODELS.register_module()
class QuasiDenseTrackHead(BaseModule):
    """Quasi-dense track head.

    Training: proposals of the key and the reference frame (gts added) are
    assigned to the gts of their frame and sampled; RoIAlign features of
    the positive key RoIs and of all sampled reference RoIs go through the
    embedding head, which contrasts every key RoI with every reference RoI
    (a pair is positive when both RoIs belong to the same instance id).
    Test: embeddings of given boxes.

    Args:
        roi_extractor (dict): Config of the RoI extractor (e.g. mmdet's
            ``SingleRoIExtractor`` with a 7x7 ``RoIAlign``).
        embed_head (dict): Config of the embedding head.
        train_cfg (dict, optional): ``assigner`` and ``sampler`` configs
            and ``match_mode``: ``'multi_positive'`` (default, paper
            Eq. 5), ``'one_positive'`` (quasi-dense samples, one positive
            reference RoI per key RoI; use ``OnePosCrossEntropyLoss``, Eq. 2)
            or ``'sparse'`` (only the gt boxes are embedded and matched).
        test_cfg (dict, optional): Unused; kept for mmdet's interface.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 roi_extractor: dict,
                 embed_head: dict,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.roi_extractor = MODELS.build(roi_extractor)
        self.embed_head = MODELS.build(embed_head)
        self.match_mode = 'multi_positive'
        self.bbox_assigner = None
        self.bbox_sampler = None
        if train_cfg is not None:
            self.match_mode = train_cfg.get('match_mode', self.match_mode)
            if self.match_mode not in MATCH_MODES:
                raise ValueError(f'match_mode must be one of {MATCH_MODES}, '
                                 f'got {self.match_mode!r}')
            if self.match_mode != 'sparse':
                self.bbox_assigner = TASK_UTILS.build(train_cfg['assigner'])
                self.bbox_sampler = TASK_UTILS.build(
                    train_cfg['sampler'], default_args=dict(context=self))

    def extract_roi_feats(self, feats: Tuple[Tensor],
                          bboxes: List[Tensor]) -> Tensor:
        """RoI features of boxes given per image.

        Args:
            feats (tuple[Tensor]): Multi-level features, each (N, C, H, W).
            bboxes (list[Tensor]): Per image, boxes (R_i, 4) in xyxy in the
                coordinates of the network input.

        Returns:
            Tensor: RoI features of shape (sum R_i, C, S, S).
        """
        rois = bbox2roi(bboxes)
        return self.roi_extractor(feats[:self.roi_extractor.num_inputs], rois)

    def sample(self, feats: Tuple[Tensor], img_id: int,
               proposals: InstanceData, data_sample: DetDataSample
               ) -> SamplingResult:
        """Assign and sample the proposals of one frame.

        Args:
            feats (tuple[Tensor]): Multi-level features of the batch.
            img_id (int): Index of the image in the batch.
            proposals (InstanceData): Proposals with ``bboxes`` (P, 4).
            data_sample (DetDataSample): The frame with ``gt_instances``.

        Returns:
            SamplingResult: The sampled RoIs of the frame.
        """
        gt_instances = data_sample.gt_instances
        if self.match_mode == 'sparse':
            return gt_sampling_result(gt_instances)
        ignored = data_sample.get('ignored_instances', None)
        if ignored is not None and 'bboxes' not in ignored:
            ignored = None
        priors = InstanceData(priors=proposals.bboxes.detach())
        assign_result = self.bbox_assigner.assign(priors, gt_instances,
                                                  ignored)
        return self.bbox_sampler.sample(
            assign_result,
            priors,
            gt_instances,
            feats=[lvl[img_id][None] for lvl in feats])

    def loss(self, key_feats: Tuple[Tensor], ref_feats: Tuple[Tensor],
             key_proposals: List[InstanceData],
             ref_proposals: List[InstanceData],
             data_samples: TrackSampleList) -> dict:
        """Tracking losses of a batch of key/reference frame pairs.

        Args:
            key_feats (tuple[Tensor]): Multi-level key-frame features, each
                of shape (N, C, H, W).
            ref_feats (tuple[Tensor]): Multi-level reference features.
            key_proposals (list[InstanceData]): Key-frame proposals with
                ``bboxes`` (P_i, 4), one per image.
            ref_proposals (list[InstanceData]): Reference proposals.
            data_samples (list[TrackDataSample]): Frame pairs with
                ``key_frames_inds``/``ref_frames_inds``; frames carry
                ``gt_instances`` with ``bboxes``, ``labels`` and
                ``instances_ids``.

        Returns:
            dict[str, Tensor]: ``loss_track`` and ``loss_track_aux``.
        """
        assert self.train_cfg is not None, 'train_cfg is required for loss'
        key_results, ref_results, match_indices = [], [], []
        for i, track_sample in enumerate(data_samples):
            key_sample = track_sample.get_key_frames()[0]
            ref_sample = track_sample.get_ref_frames()[0]
            key_results.append(
                self.sample(key_feats, i, key_proposals[i], key_sample))
            ref_results.append(
                self.sample(ref_feats, i, ref_proposals[i], ref_sample))
            match_indices.append(
                gt_match_indices(key_sample.gt_instances.instances_ids,
                                 ref_sample.gt_instances.instances_ids).to(
                                     key_feats[0].device))

        key_roi_feats = self.extract_roi_feats(
            key_feats, [res.pos_priors for res in key_results])
        ref_roi_feats = self.extract_roi_feats(
            ref_feats, [res.priors for res in ref_results])
        return self.embed_head.loss(
            key_roi_feats,
            ref_roi_feats,
            key_results,
            ref_results,
            match_indices,
            one_positive=self.match_mode != 'multi_positive')

    def predict(self, feats: Tuple[Tensor], bboxes: List[Tensor]) -> Tensor:
        """Embeddings of boxes.

        Args:
            feats (tuple[Tensor]): Multi-level features, each (N, C, H, W).
            bboxes (list[Tensor]): Per image, boxes (R_i, 4) in xyxy in the
                coordinates of the network input.

        Returns:
            Tensor: Embeddings of shape (sum R_i, D).
        """
        return self.embed_head.predict(self.extract_roi_feats(feats, bboxes))
