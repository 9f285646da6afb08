"""Embed a frame's boxes and pass them to the track manager.

The test-time step shared by every model whose boxes are embedded by a
quasi-dense track head (QDTrack, MASA), whatever produced the boxes.
"""
from typing import List, Optional

from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from torch import Tensor, nn

from .utils import track_instances


def embed_and_track(tracker,
                    track_head: nn.Module,
                    feats: List[Tensor],
                    frame: DetDataSample,
                    bboxes: Tensor,
                    scores: Tensor,
                    labels: Tensor,
                    rescaled: bool = True,
                    init_mask: Optional[Tensor] = None) -> InstanceData:
    """Embed boxes of one frame and track them.

    Args:
        tracker: Track manager with ``track(bboxes, scores, labels, embeds,
            frame_id, init_mask)``.
        track_head (nn.Module): Track head with ``predict(feats, bboxes)``.
        feats (list[Tensor]): The frame's pyramid, each (1, C, H_l, W_l).
        frame (DetDataSample): The frame (``frame_id``, ``scale_factor``).
        bboxes (Tensor): Boxes (K, 4) xyxy.
        scores (Tensor): Scores (K, ).
        labels (Tensor): Labels (K, ).
        rescaled (bool): The boxes are in original image coordinates (they
            are scaled to the network input to be embedded). Defaults to
            True.
        init_mask (Tensor, optional): Boolean (K, ): which boxes may start
            a track.

    Returns:
        InstanceData: Tracked ``bboxes``, ``scores``, ``labels`` and
        ``instances_id`` (in the coordinates of ``bboxes``).
    """
    bboxes = bboxes.to(feats[0].device)
    input_bboxes = bboxes
    if rescaled:
        scale = bboxes.new_tensor(frame.metainfo['scale_factor'])
        input_bboxes = bboxes * scale.repeat(2)
    embeds = track_head.predict(feats, [input_bboxes])
    tracked = tracker.track(
        bboxes=bboxes,
        scores=scores.to(bboxes.device),
        labels=labels.to(bboxes.device),
        embeds=embeds,
        frame_id=frame.frame_id,
        init_mask=init_mask)
    return track_instances(tracked)
