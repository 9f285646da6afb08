"""Embedding head of QDTrack: RoI features -> appearance embeddings."""
import copy
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.models.task_modules import SamplingResult
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from mmengine.model import BaseModule
from torch import Tensor, nn

from qdtrack.registry import MODELS

# defaults of the public QDTrack config (paper: 4conv-1fc head with
# GroupNorm, Eq. 5 loss weighted 0.25, Eq. 6 auxiliary loss weighted 1.0
# on all positives and the 3 hardest negatives per positive)
DEFAULT_NORM_CFG = dict(type='GN', num_groups=32)
DEFAULT_LOSS_TRACK = dict(type='MultiPosCrossEntropyLoss', loss_weight=0.25)
DEFAULT_LOSS_TRACK_AUX = dict(
    type='MarginL2Loss',
    neg_pos_ub=3,
    pos_margin=0,
    neg_margin=0.1,
    hard_mining=True,
    loss_weight=1.0)
DEFAULT_INIT_CFG = dict(
    type='Xavier',
    layer='Linear',
    distribution='uniform',
    bias=0,
    override=dict(type='Normal', name='fc_embed', mean=0, std=0.01, bias=0))


@MODELS.register_module()
class QuasiDenseEmbedHead(BaseModule):
    """Quasi-dense embedding head: ``num_convs`` conv + ``num_fcs`` fc.

    RoI features (R, C, S, S) go through ``num_convs`` 3x3 convolutions
    (each followed by ``norm_cfg`` and ReLU), are flattened, pass
    ``num_fcs`` fully connected layers with ReLU and a final linear
    projection ``fc_embed`` to ``embed_channels``. The QDTrack paper uses
    4 convs with GroupNorm(32), one fc of 1024 and a 256-d embedding.

    Training compares every positive key RoI with every sampled reference
    RoI: dot products (cosine similarities with ``cosine_logits``), divided
    by ``softmax_temp`` if > 0, feed ``loss_track``, and cosine
    similarities feed ``loss_track_aux``.

    Args:
        num_convs (int): Number of 3x3 convolutions. Defaults to 4.
        num_fcs (int): Number of hidden fc layers. Defaults to 1.
        roi_feat_size (int): Side of the RoI features. Defaults to 7.
        in_channels (int): Channels of the RoI features. Defaults to 256.
        conv_out_channels (int): Channels of the convs. Defaults to 256.
        fc_out_channels (int): Width of the hidden fcs. Defaults to 1024.
        embed_channels (int): Embedding dimension. Defaults to 256.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        norm_cfg (dict, optional): Normalisation after every conv.
            Defaults to GroupNorm with 32 groups.
        softmax_temp (float): Temperature of the logits of ``loss_track``;
            <= 0 means none. Defaults to -1.
        cosine_logits (bool): Give ``loss_track`` cosine similarities
            instead of dot products (MASA paper: InfoNCE on cosine / 0.07).
            Defaults to False.
        loss_track (dict): Config of the contrastive loss.
        loss_track_aux (dict, optional): Config of the auxiliary loss on
            cosine similarities; None disables it.
        ignore_nested_iof (float, optional): Leave out of the losses,
            instead of counting as negatives, the pairs of two different
            instances whose reference-view boxes overlap by at least this
            fraction of the smaller box (a part and its whole, or two
            pieces of one object, as class-agnostic proposals give).
            Defaults to None: every pair counts.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 num_convs: int = 4,
                 num_fcs: int = 1,
                 roi_feat_size: int = 7,
                 in_channels: int = 256,
                 conv_out_channels: int = 256,
                 fc_out_channels: int = 1024,
                 embed_channels: int = 256,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = DEFAULT_NORM_CFG,
                 softmax_temp: float = -1,
                 cosine_logits: bool = False,
                 loss_track: dict = DEFAULT_LOSS_TRACK,
                 loss_track_aux: Optional[dict] = DEFAULT_LOSS_TRACK_AUX,
                 ignore_nested_iof: Optional[float] = None,
                 init_cfg: Optional[dict] = DEFAULT_INIT_CFG) -> None:
        norm_cfg = copy.deepcopy(norm_cfg)
        init_cfg = copy.deepcopy(init_cfg)
        super().__init__(init_cfg=init_cfg)
        self.roi_feat_size = roi_feat_size
        self.embed_channels = embed_channels
        self.softmax_temp = softmax_temp
        self.cosine_logits = cosine_logits
        if ignore_nested_iof is not None and not 0 < ignore_nested_iof <= 1:
            raise ValueError('ignore_nested_iof is a fraction in (0, 1], '
                             f'got {ignore_nested_iof}')
        self.ignore_nested_iof = ignore_nested_iof

        self.convs = nn.ModuleList()
        channels = in_channels
        for _ in range(num_convs):
            self.convs.append(
                ConvModule(
                    channels,
                    conv_out_channels,
                    3,
                    padding=1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg))
            channels = conv_out_channels

        self.fcs = nn.ModuleList()
        last_dim = channels * roi_feat_size * roi_feat_size
        for _ in range(num_fcs):
            self.fcs.append(nn.Linear(last_dim, fc_out_channels))
            last_dim = fc_out_channels
        self.relu = nn.ReLU(inplace=True)
        self.fc_embed = nn.Linear(last_dim, embed_channels)

        self.loss_track = MODELS.build(copy.deepcopy(loss_track))
        self.loss_track_aux = None
        if loss_track_aux is not None:
            self.loss_track_aux = MODELS.build(copy.deepcopy(loss_track_aux))

    def forward(self, x: Tensor) -> Tensor:
        """Embed RoI features.

        Args:
            x (Tensor): RoI features of shape (R, C, S, S).

        Returns:
            Tensor: Embeddings of shape (R, embed_channels).
        """
        for conv in self.convs:
            x = conv(x)
        x = x.flatten(1)
        for fc in self.fcs:
            x = self.relu(fc(x))
        return self.fc_embed(x)

    def predict(self, roi_feats: Tensor) -> Tensor:
        """Embeddings of the RoI features at test time.

        Trackers compare embeddings by their dot products (bi-softmax) and
        cosines. A head trained on cosines (``cosine_logits``) never sees
        the norms of its raw outputs, so it returns them L2-normalised and
        scaled by ``1 / sqrt(softmax_temp)``: their dot products are the
        logits it was trained on (cosine / tau), their cosines unchanged.

        Args:
            roi_feats (Tensor): RoI features of shape (R, C, S, S).

        Returns:
            Tensor: Embeddings of shape (R, embed_channels).
        """
        embeds = self(roi_feats)
        if self.cosine_logits:
            embeds = F.normalize(embeds, p=2, dim=1)
            if self.softmax_temp > 0:
                embeds = embeds / self.softmax_temp**0.5
        return embeds

    def loss(self,
             key_roi_feats: Tensor,
             ref_roi_feats: Tensor,
             key_sampling_results: List[SamplingResult],
             ref_sampling_results: List[SamplingResult],
             gt_match_indices_list: List[Tensor],
             one_positive: bool = False) -> dict:
        """Embed the sampled RoIs and compute the tracking losses.

        Args:
            key_roi_feats (Tensor): Features of the positive key RoIs of all
                images, shape (sum P_i, C, S, S).
            ref_roi_feats (Tensor): Features of all sampled reference RoIs,
                shape (sum R_i, C, S, S).
            key_sampling_results (list[SamplingResult]): Key-frame samples,
                one per image.
            ref_sampling_results (list[SamplingResult]): Reference-frame
                samples, one per image.
            gt_match_indices_list (list[Tensor]): For every image, the index
                of the reference gt of the same instance as each key gt
                (-1 if none), shape (num_key_gts, ).
            one_positive (bool): Keep only one positive reference RoI per
                key RoI (the paper's one-positive ablation).

        Returns:
            dict[str, Tensor]: ``loss_track`` and, with an auxiliary loss,
            ``loss_track_aux``.
        """
        key_embeds = self(key_roi_feats)
        ref_embeds = self(ref_roi_feats)
        return self.loss_by_feat(key_embeds, ref_embeds, key_sampling_results,
                                 ref_sampling_results, gt_match_indices_list,
                                 one_positive)

    def loss_by_feat(self,
                     key_embeds: Tensor,
                     ref_embeds: Tensor,
                     key_sampling_results: List[SamplingResult],
                     ref_sampling_results: List[SamplingResult],
                     gt_match_indices_list: List[Tensor],
                     one_positive: bool = False) -> dict:
        """Tracking losses from the embeddings of the sampled RoIs.

        The losses are computed per image and averaged over the images.

        Args:
            key_embeds (Tensor): Embeddings of the positive key RoIs,
                shape (sum P_i, D).
            ref_embeds (Tensor): Embeddings of the sampled reference RoIs,
                shape (sum R_i, D).
            key_sampling_results (list[SamplingResult]): Key-frame samples.
            ref_sampling_results (list[SamplingResult]): Reference samples.
            gt_match_indices_list (list[Tensor]): See :meth:`loss`.
            one_positive (bool): See :meth:`loss`.

        Returns:
            dict[str, Tensor]: ``loss_track`` (and ``loss_track_aux``).
        """
        num_key = [len(res.pos_inds) for res in key_sampling_results]
        num_ref = [len(res.priors) for res in ref_sampling_results]
        dists, cos_dists = self.match(
            key_embeds.split(num_key), ref_embeds.split(num_ref))
        targets, weights = self.get_targets(gt_match_indices_list,
                                            key_sampling_results,
                                            ref_sampling_results,
                                            one_positive)
        loss_track = key_embeds.new_zeros(())
        loss_aux = key_embeds.new_zeros(())
        for dist, cos_dist, target, weight in zip(dists, cos_dists, targets,
                                                  weights):
            loss_track = loss_track + self.loss_track(
                dist, target, weight, avg_factor=weight.sum())
            if self.loss_track_aux is not None:
                loss_aux = loss_aux + self.loss_track_aux(cos_dist, target)
        losses = dict(loss_track=loss_track / len(dists))
        if self.loss_track_aux is not None:
            losses['loss_track_aux'] = loss_aux / len(dists)
        return losses

    def match(self, key_embeds: Sequence[Tensor],
              ref_embeds: Sequence[Tensor]
              ) -> Tuple[List[Tensor], List[Tensor]]:
        """Similarities between key and reference embeddings per image.

        Args:
            key_embeds (Sequence[Tensor]): Per image, shape (P_i, D).
            ref_embeds (Sequence[Tensor]): Per image, shape (R_i, D).

        Returns:
            tuple[list[Tensor], list[Tensor]]: Logits (dot products, or
            cosines with ``cosine_logits``, divided by ``softmax_temp`` when
            it is > 0) and cosine similarities, each of shape (P_i, R_i)
            per image.
        """
        dists, cos_dists = [], []
        for key, ref in zip(key_embeds, ref_embeds):
            cos_dist = F.normalize(key, dim=1) @ F.normalize(ref, dim=1).t()
            dist = cos_dist if self.cosine_logits else key @ ref.t()
            if self.softmax_temp > 0:
                dist = dist / self.softmax_temp
            dists.append(dist)
            cos_dists.append(cos_dist)
        return dists, cos_dists

    def get_targets(self,
                    gt_match_indices_list: List[Tensor],
                    key_sampling_results: List[SamplingResult],
                    ref_sampling_results: List[SamplingResult],
                    one_positive: bool = False
                    ) -> Tuple[List[Tensor], List[Tensor]]:
        """Match targets between positive key RoIs and reference RoIs.

        A key RoI and a reference RoI form a positive pair when the key
        RoI's gt and the reference RoI's gt are the same instance. With
        ``ignore_nested_iof``, pairs of different but nested instances are
        marked -1 (left out). With ``one_positive`` only the reference RoI
        of highest IoU with its gt (the first one on ties) stays positive
        for every key RoI.

        Args:
            gt_match_indices_list (list[Tensor]): Per image, the index of
                the reference gt of the same instance as every key gt, or
                -1; shape (num_key_gts, ).
            key_sampling_results (list[SamplingResult]): Key samples; only
                their positives are used.
            ref_sampling_results (list[SamplingResult]): Reference samples;
                positives come first in their ``priors``.
            one_positive (bool): Keep one positive per key RoI.

        Returns:
            tuple[list[Tensor], list[Tensor]]: Per image, targets of shape
            (P_i, R_i) (1 = same instance, 0 = different, -1 = left out)
            and row weights of shape (P_i, ) (1 for key RoIs with at least
            one positive).
        """
        targets, weights = [], []
        for match_inds, key_res, ref_res in zip(gt_match_indices_list,
                                                key_sampling_results,
                                                ref_sampling_results):
            match_inds = match_inds.long()
            num_ref_pos = len(ref_res.pos_inds)
            target = match_inds.new_zeros(
                (len(key_res.pos_inds), len(ref_res.priors)))
            key_to_ref = match_inds[key_res.pos_assigned_gt_inds.long()]
            pos2pos = (key_to_ref[:, None] ==
                       ref_res.pos_assigned_gt_inds.long()[None, :])
            pos2pos &= key_to_ref[:, None] >= 0
            if one_positive and num_ref_pos > 0:
                ious = bbox_overlaps(
                    ref_res.pos_priors, ref_res.pos_gt_bboxes, is_aligned=True)
                score = pos2pos.to(ious.dtype) * (ious[None, :] + 1)
                best = score.argmax(dim=1)
                has_pos = pos2pos.any(dim=1)
                pos2pos = torch.zeros_like(pos2pos)
                pos2pos[has_pos, best[has_pos]] = True
            target[:, :num_ref_pos] = pos2pos.long()
            if self.ignore_nested_iof is not None and num_ref_pos > 0:
                nested = self._nested(key_to_ref, ref_res)
                target[:, :num_ref_pos][nested] = -1
            targets.append(target)
            weights.append((target >= 1).any(dim=1).float())
        return targets, weights

    def _nested(self, key_to_ref: Tensor, ref_res: SamplingResult) -> Tensor:
        """Whether the reference gt of every key RoI (P, ) and that of
        every positive reference RoI are different instances overlapping by
        >= ``ignore_nested_iof`` of the smaller box, shape (P, num_ref_pos).

        The reference gt of a key RoI is known from the positive reference
        RoIs assigned to it; a key RoI without any has no positive and
        weight 0, so its row is all False.
        """
        ref_gt_inds = ref_res.pos_assigned_gt_inds.long()
        boxes = get_box_tensor(ref_res.pos_gt_bboxes)
        same = key_to_ref[:, None] == ref_gt_inds[None]  # (P, num_ref_pos)
        has_box = same.any(dim=1)
        # the gt box of a positive reference RoI of the same instance
        key_boxes = boxes[same.int().argmax(dim=1)]
        # intersection over the smaller box = the larger of the two IoFs
        iof = torch.max(bbox_overlaps(key_boxes, boxes, mode='iof'),
                        bbox_overlaps(boxes, key_boxes, mode='iof').t())
        return (iof >= self.ignore_nested_iof) & has_box[:, None] & ~same
