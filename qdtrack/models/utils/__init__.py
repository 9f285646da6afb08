from .inference_speedups import fuse_conv_bn, to_channels_last
from .jittered_proposals import jittered_proposals
from .test_wrapper import DistributedTestWrapper

__all__ = ['DistributedTestWrapper', 'fuse_conv_bn', 'jittered_proposals',
           'to_channels_last']
