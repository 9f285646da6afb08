"""Model wrapper for distributed testing (no gradients to synchronise)."""
from mmengine.registry import MODEL_WRAPPERS
from torch import nn


# Registered in mmengine's root registry: the Runner resolves
# ``model_wrapper_cfg`` with ``MODEL_WRAPPERS.get`` on that registry, which
# looks neither at the default scope nor at grandchild scopes such as ours.
@MODEL_WRAPPERS.register_module()
class DistributedTestWrapper(nn.Module):
    """Each rank runs its own copy of the model on its own videos.

    ``DistributedDataParallel`` exists to average gradients; at test time
    it only costs a parameter broadcast, and it refuses models without
    trainable parameters (SORT). ``tools/test.py`` uses this wrapper for
    every distributed test run.

    Args:
        module (nn.Module): The model.
    """

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def test_step(self, data):
        """See :meth:`mmengine.model.BaseModel.test_step`."""
        return self.module.test_step(data)

    def val_step(self, data):
        """See :meth:`mmengine.model.BaseModel.val_step`."""
        return self.module.val_step(data)
