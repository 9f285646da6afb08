"""Distributed runs on machines without CUDA (gloo backend)."""
import torch
import torch.distributed as dist
from mmengine.config import Config


def prepare_cpu_distributed(cfg: Config) -> bool:
    """Let mmengine's Runner run distributed on CPU processes.

    mmengine 0.10.7 assumes CUDA in a PyTorch-launched run: it calls
    ``torch.cuda.set_device`` while initialising the process group and
    passes ``device_ids=[local_rank]`` to DistributedDataParallel, both of
    which fail on a CPU-only torch. When the launcher is not ``none`` and no
    GPU is available, this initialises the process group with gloo from the
    ``torchrun`` environment (the Runner then skips its own initialisation)
    and wraps the model without device ids.

    Args:
        cfg (Config): The run's config; ``model_wrapper_cfg`` is set.

    Returns:
        bool: Whether the CPU setup was applied.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    return True
