"""Normalisation of ReID crops (training batches and tracker crops)."""

from mmengine.model import ImgDataPreprocessor
from torch import Tensor

from qdtrack.registry import MODELS


@MODELS.register_module()
class ReIDDataPreprocessor(ImgDataPreprocessor):
    """mmengine's ``ImgDataPreprocessor`` for mmdet's ``PackReIDInputs``.

    ``PackReIDInputs`` packs each crop as (1, C, H, W); they are flattened
    to (C, H, W) before mmengine's casting, channel flip, normalisation and
    stacking. mmdet's ReID configs use mmpretrain's ``ClsDataPreprocessor``
    instead, which this project does not depend on.
    :meth:`normalize` applies the same steps to crops cut by a tracker.

    Args:
        **kwargs: See :class:`mmengine.model.ImgDataPreprocessor`
            (``mean``, ``std``, ``bgr_to_rgb``, ...).
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        """Flatten (1, C, H, W) crops, then mmengine's preprocessing."""
        inputs = data['inputs']
        if isinstance(inputs, Tensor):
            inputs = list(inputs.flatten(0, inputs.dim() - 4)) \
                if inputs.dim() > 3 else [inputs]
        else:
            inputs = [c for x in inputs
                      for c in (x if x.dim() == 4 else x[None])]
        return super().forward(dict(inputs=inputs,
                                    data_samples=data.get('data_samples')),
                               training)

    def normalize(self, crops: Tensor) -> Tensor:
        """Preprocess a batch of crops as training batches are.

        Args:
            crops (Tensor): (N, C, H, W) crops, channel order and value
                range of the training images (e.g. BGR 0-255).

        Returns:
            Tensor: (N, C, H, W) float network input.
        """
        crops = crops.float()
        if self._channel_conversion:
            crops = crops[:, [2, 1, 0]]
        if self._enable_normalize:
            crops = (crops - self.mean) / self.std
        return crops
