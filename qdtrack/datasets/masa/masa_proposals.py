"""Proposals of a trained MASA model: a round of self-training.

As in CutLER's self-training, a MASA model trained on an image collection's
proposals proposes again on the same images: its distillation head
(class-agnostic RPN + RoI head) has learnt what the proposals have in
common and may find objects the first source missed. The boxes have no
masks.
"""
import os.path as osp
from typing import List

import numpy as np

from .proposal_file import Proposal


class MASAProposals:
    """Class-agnostic boxes of a MASA model's distillation head.

    Args:
        config (str): A MASA config with a distillation head (e.g. the
            training config of the run).
        checkpoint (str): Its trained weights.
        max_per_image (int): At most this many boxes per image (the RoI
            head's ``max_per_img``).
        score_thr (float): Boxes scoring below are dropped (the RoI head's
            ``score_thr``).
        device (str): Where the model runs.
    """

    def __init__(self, config: str, checkpoint: str,
                 max_per_image: int = 200, score_thr: float = 0.0,
                 device: str = 'cpu') -> None:
        from mmengine.config import Config

        from qdtrack.apis import init_detector
        for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
            if not path or not osp.isfile(path):
                raise FileNotFoundError(f'MASA {what} not found: {path}')
        model_cfg = Config.fromfile(config).model
        if not (model_cfg.get('rpn_head') and model_cfg.get('roi_head')):
            raise ValueError(f'{config}: the model ({model_cfg.type}) has no '
                             'distillation head (rpn_head + roi_head) to '
                             'propose boxes with')
        self.config, self.checkpoint = config, checkpoint
        self.max_per_image, self.score_thr = max_per_image, score_thr
        self.model = init_detector(
            config, checkpoint, device=device, cfg_options={
                'model.box_source': 'distillation',
                'model.test_cfg.rcnn.max_per_img': max_per_image,
                'model.test_cfg.rcnn.score_thr': score_thr})

    def settings(self) -> dict:
        """The source name and settings (stored in the proposal file)."""
        return dict(source='masa', config=self.config,
                    checkpoint=self.checkpoint,
                    max_per_image=self.max_per_image,
                    score_thr=self.score_thr)

    def __call__(self, img: np.ndarray) -> List[Proposal]:
        """The boxes of one BGR image (H, W, 3), by decreasing score."""
        from qdtrack.apis import detect
        bboxes, scores, _ = detect(self.model, img)
        order = np.argsort(-scores, kind='stable')
        return [Proposal(bboxes[i], float(scores[i]), None) for i in order]
