from .inference_speedups import fuse_conv_bn, to_channels_last

__all__ = ['fuse_conv_bn', 'to_channels_last']
