"""Apply the inference-only model transforms once the weights are loaded."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from qdtrack.models.utils import fuse_conv_bn, to_channels_last
from qdtrack.registry import HOOKS


@HOOKS.register_module()
class InferenceSpeedupHook(Hook):
    """Fuse conv + BN and/or go channels-last before testing.

    Runs at ``before_test``, which mmengine calls after the checkpoint is
    loaded (the transforms change the state dict, so they must come after
    loading). ``tools/test.py --fuse-conv-bn --channels-last`` adds it; a
    config can list it in ``custom_hooks``. Never use it for training.

    Args:
        fuse_conv_bn (bool): See
            :func:`qdtrack.models.utils.fuse_conv_bn`. Defaults to True.
        channels_last (bool): See
            :func:`qdtrack.models.utils.to_channels_last`. Defaults to
            False.
    """

    priority = 'VERY_LOW'  # after any hook that changes the weights

    def __init__(self, fuse_conv_bn: bool = True,
                 channels_last: bool = False) -> None:
        self.fuse_conv_bn = fuse_conv_bn
        self.channels_last = channels_last

    def before_test(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model.eval()
        if self.fuse_conv_bn:
            fuse_conv_bn(model)
        if self.channels_last:
            to_channels_last(model)
        runner.logger.info(
            f'inference speed-ups: fuse_conv_bn={self.fuse_conv_bn}, '
            f'channels_last={self.channels_last}')
