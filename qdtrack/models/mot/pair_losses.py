"""Losses of a key/reference pair: RPN + RoI head on the key, track head on
both. Shared by :class:`QDTrack` (two frames of a video) and :class:`MASA`
(two augmented views of one image)."""
import copy
from typing import List, Tuple

import torch
from mmdet.structures import DetDataSample, TrackSampleList
from mmengine.structures import InstanceData
from torch import Tensor, nn


def split_pairs(inputs: Tensor, data_samples: TrackSampleList
                ) -> Tuple[Tensor, Tensor, List[DetDataSample],
                           List[DetDataSample]]:
    """Split a batch of pairs into key and reference images.

    Args:
        inputs (Tensor): Shape (N, T, C, H, W) with T = 2.
        data_samples (list[TrackDataSample]): N samples with
            ``key_frames_inds`` and ``ref_frames_inds``.

    Returns:
        tuple: Key images (N, C, H, W), reference images (N, C, H, W),
        key frames and reference frames (lists of ``DetDataSample``).
    """
    if inputs.dim() != 5 or inputs.size(1) != 2:
        raise ValueError('training takes inputs (N, 2, C, H, W): one key '
                         'and one reference frame or view, got '
                         f'{tuple(inputs.shape)}')
    key_inds = [s.key_frames_inds[0] for s in data_samples]
    ref_inds = [s.ref_frames_inds[0] for s in data_samples]
    batch = torch.arange(len(inputs), device=inputs.device)
    key_imgs = inputs[batch, torch.tensor(key_inds, device=inputs.device)]
    ref_imgs = inputs[batch, torch.tensor(ref_inds, device=inputs.device)]
    key_samples = [s.get_key_frames()[0] for s in data_samples]
    ref_samples = [s.get_ref_frames()[0] for s in data_samples]
    return (key_imgs.contiguous(), ref_imgs.contiguous(), key_samples,
            ref_samples)


def zero_label_copies(samples: List[DetDataSample]) -> List[DetDataSample]:
    """Deep copies of data samples whose gt labels are all 0."""
    samples = copy.deepcopy(samples)
    for sample in samples:
        sample.gt_instances.labels = torch.zeros_like(
            sample.gt_instances.labels)
    return samples


def pair_losses(feats: List[Tensor],
                ref_feats: List[Tensor],
                rpn_head: nn.Module,
                roi_head: nn.Module,
                track_head: nn.Module,
                data_samples: TrackSampleList,
                proposal_cfg: dict,
                class_agnostic: bool = False) -> dict:
    """Detection losses on the key frame and track losses on the pair.

    The RPN is always trained class-agnostic (on zero-label copies); the
    RoI head sees the real labels unless ``class_agnostic``. Reference
    proposals are predicted without gradient. The given data samples are
    not modified.

    Args:
        feats (list[Tensor]): Key-frame pyramid, each (N, C, H_l, W_l).
        ref_feats (list[Tensor]): Reference pyramid.
        rpn_head (nn.Module): mmdet RPN head (``loss_and_predict``,
            ``predict``).
        roi_head (nn.Module): mmdet RoI head.
        track_head (nn.Module): :class:`QuasiDenseTrackHead`.
        data_samples (list[TrackDataSample]): N pairs whose frames carry
            ``gt_instances`` (``bboxes``, ``labels``, ``instances_ids``).
        proposal_cfg (dict): Test config of the key-frame proposals.
        class_agnostic (bool): Give the RoI head zero labels too (MASA's
            object-prior distillation). Defaults to False.

    Returns:
        dict[str, Tensor]: ``loss_rpn_cls``, ``loss_rpn_bbox``, the RoI
        head's losses and ``loss_track`` (+ ``loss_track_aux``).
    """
    key_samples = [s.get_key_frames()[0] for s in data_samples]
    ref_samples = [s.get_ref_frames()[0] for s in data_samples]
    rpn_samples = zero_label_copies(key_samples)
    losses = dict()
    rpn_losses, key_proposals = rpn_head.loss_and_predict(
        feats, rpn_samples, proposal_cfg=proposal_cfg)
    for name in list(rpn_losses):
        if 'loss' in name and 'rpn' not in name:
            rpn_losses[f'rpn_{name}'] = rpn_losses.pop(name)
    losses.update(rpn_losses)
    with torch.no_grad():
        ref_proposals = rpn_head.predict(ref_feats, ref_samples)

    # the RoI head renames the proposals' ``bboxes``: keep our own copy
    track_key_proposals = [
        InstanceData(bboxes=p.bboxes) for p in key_proposals
    ]
    roi_samples = rpn_samples if class_agnostic else key_samples
    losses.update(roi_head.loss(feats, key_proposals, roi_samples))
    losses.update(
        track_head.loss(feats, ref_feats, track_key_proposals, ref_proposals,
                        data_samples))
    return losses
