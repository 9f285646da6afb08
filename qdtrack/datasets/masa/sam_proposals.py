"""Proposals from SAM's automatic mask generator ("segment everything").

MASA's training data: SAM masks with the paper's settings (32 x 32 point
prompts, predicted IoU > 0.88, small regions removed, box NMS 0.7). The
package is imported without torchvision (see :mod:`.sam_import`).
"""
import os.path as osp
from typing import List, Optional

import numpy as np

from .proposal_file import Proposal, mask_to_box
from .sam_import import import_segment_anything


class SAMProposals:
    """Class-agnostic proposals from ``SamAutomaticMaskGenerator``.

    Args:
        checkpoint (str, optional): An official SAM checkpoint
            (``sam_vit_h_4b8939.pth`` etc.). Needed unless ``model`` is
            given.
        model_type (str): ``'vit_h'``, ``'vit_l'`` or ``'vit_b'``.
        model (torch.nn.Module, optional): A built ``Sam`` model (tests
            pass a tiny random one).
        points_per_side (int): Point prompts per image side.
        pred_iou_thresh (float): Keep masks whose predicted IoU exceeds it.
        stability_score_thresh (float): Keep masks at least this stable.
        box_nms_thresh (float): NMS IoU threshold on mask boxes.
        min_mask_region_area (int): Holes and islands smaller than this (in
            pixels) are removed from the masks.
        points_per_batch (int): Prompts decoded at once.
        device (str): Where the model runs.
    """

    def __init__(self,
                 checkpoint: Optional[str] = None,
                 model_type: str = 'vit_h',
                 model=None,
                 points_per_side: int = 32,
                 pred_iou_thresh: float = 0.88,
                 stability_score_thresh: float = 0.95,
                 box_nms_thresh: float = 0.7,
                 min_mask_region_area: int = 100,
                 points_per_batch: int = 64,
                 device: str = 'cpu') -> None:
        sam = import_segment_anything()
        if model is None:
            if checkpoint is None or not osp.isfile(checkpoint):
                raise FileNotFoundError(
                    f'SAM checkpoint not found: {checkpoint} (download one '
                    'of the official sam_vit_{h,l,b}_*.pth files)')
            if model_type not in sam.sam_model_registry:
                raise ValueError(
                    f'unknown SAM model type {model_type!r}; one of '
                    f'{sorted(sam.sam_model_registry)}')
            model = sam.sam_model_registry[model_type](checkpoint=checkpoint)
        model.to(device).eval()
        self._settings = dict(
            source='sam', model_type=model_type,
            checkpoint=osp.basename(checkpoint) if checkpoint else None,
            points_per_side=points_per_side,
            pred_iou_thresh=pred_iou_thresh,
            stability_score_thresh=stability_score_thresh,
            box_nms_thresh=box_nms_thresh,
            min_mask_region_area=min_mask_region_area)
        self.generator = sam.SamAutomaticMaskGenerator(
            model,
            points_per_side=points_per_side,
            points_per_batch=points_per_batch,
            pred_iou_thresh=pred_iou_thresh,
            stability_score_thresh=stability_score_thresh,
            box_nms_thresh=box_nms_thresh,
            min_mask_region_area=min_mask_region_area,
            output_mode='binary_mask')

    def settings(self) -> dict:
        """The source name and settings (stored in the proposal file)."""
        return dict(self._settings)

    def __call__(self, img: np.ndarray) -> List[Proposal]:
        """Propose objects in one image.

        Args:
            img (np.ndarray): BGR image (H, W, 3), uint8.

        Returns:
            list[Proposal]: Proposals with masks, by decreasing predicted
            IoU; boxes are the masks' tight boxes.
        """
        rgb = np.ascontiguousarray(img[..., ::-1])
        proposals = []
        for ann in self.generator.generate(rgb):
            mask = np.asarray(ann['segmentation'], dtype=bool)
            if mask.any():
                proposals.append(Proposal(mask_to_box(mask),
                                          float(ann['predicted_iou']), mask))
        proposals.sort(key=lambda p: -p.score)
        return proposals
