"""SimpleReID: a ReID network trained on SORT pseudo-identities."""
from typing import List, Optional, Tuple, Union

from mmdet.structures import ReIDDataSample
from mmengine.model import BaseModel
from torch import Tensor

from qdtrack.registry import MODELS


@MODELS.register_module()
class SimpleReID(BaseModel):
    """Backbone -> global pooling -> BN-neck head (identity classifier).

    The model of "Simple Unsupervised Multi-Object Tracking" (Karthik et
    al., 2020): an ImageNet backbone trained with cross-entropy over
    pseudo-identities (SORT tracklets, ``tools/simplereid/pseudo_label.py``).
    The same class serves the baselines of its Table 4 (random-init and
    ImageNet features: no training; supervised: ground-truth identities).

    mmdet 3.3's ``BaseReID`` subclasses mmpretrain's ``ImageClassifier``,
    which this project does not install; this class keeps its interface
    (``forward`` modes, ``ReIDDataSample`` with ``pred_feature``, read by
    mmdet's ``ReIDMetrics``).

    Args:
        backbone (dict): Backbone config (e.g. ResNet-50 or
            ``DSRMobileNetV2``; the last output is used).
        head (dict): Head config (:class:`BNNeckReIDHead`).
        neck (dict, optional): Pooling. None: mmdet's
            ``GlobalAveragePooling``.
        crop_size (tuple[int, int]): Input ``(h, w)`` of crops cut by a
            tracker; match the training crops. Defaults to (256, 128).
        data_preprocessor (dict, optional): Defaults to
            :class:`ReIDDataPreprocessor` with ImageNet mean/std, BGR->RGB.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 crop_size: Tuple[int, int] = (256, 128),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='ReIDDataPreprocessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(
            neck or dict(type='mmdet.GlobalAveragePooling'))
        self.head = MODELS.build(head)
        self.crop_size = tuple(int(v) for v in crop_size)

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor]:
        """Pooled features of (N, C, H, W) or (N, T, C, H, W) inputs."""
        if inputs.dim() == 5:
            inputs = inputs.flatten(0, 1)
        feats = self.backbone(inputs)
        if isinstance(feats, Tensor):
            feats = (feats, )
        return self.neck(feats[-1:])

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[ReIDDataSample]] = None,
                mode: str = 'tensor') -> Union[dict, list, Tensor]:
        """``'loss'``, ``'predict'`` or ``'tensor'`` (test embeddings)."""
        if mode == 'loss':
            return self.head.loss(self.extract_feat(inputs), data_samples)
        if mode == 'predict':
            return self.head.predict(self.extract_feat(inputs), data_samples)
        if mode == 'tensor':
            return self.head.embed_feats(self.extract_feat(inputs))
        raise ValueError(f'invalid mode "{mode}"')

    def embed_crops(self, crops: Tensor) -> Tensor:
        """Embeddings of crops cut by a tracker.

        Args:
            crops (Tensor): (N, C, h, w) crops with the channel order and
                range of the training images (BGR 0-255 by default).

        Returns:
            Tensor: (N, D) embeddings.
        """
        if crops.shape[0] == 0:
            return crops.new_zeros((0, self.head.out_channels))
        return self(self.data_preprocessor.normalize(crops), mode='tensor')
