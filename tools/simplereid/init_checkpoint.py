"""Save a ReID model's initial weights as a checkpoint (untrained baselines).

The paper's Table 4 compares SimpleReID with untrained features: random
initialisation and ImageNet weights. This writes them as ordinary
checkpoints, so that the same test commands (``tools/test.py`` on the ReID
config, ``model.reid_checkpoint`` of a DeepSORT config) serve every row::

    python tools/simplereid/init_checkpoint.py \\
        configs/simplereid/simplereid_mobilenetv2_toy.py imagenet.pth
    python tools/simplereid/init_checkpoint.py \\
        configs/simplereid/simplereid_mobilenetv2_toy.py random.pth \\
        --cfg-options model.backbone.type=mmdet.MobileNetV2 --seed 0
"""
import argparse
import io
import os.path as osp
import sys

import torch
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from qdtrack import register_all_modules  # noqa: E402
from qdtrack.registry import MODELS  # noqa: E402
from qdtrack.utils.io import atomic_write_bytes  # noqa: E402


def main(argv=None) -> str:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='ReID model config')
    p.add_argument('out', help='checkpoint file to write')
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the random initialisation')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    args = p.parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    torch.manual_seed(args.seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    buf = io.BytesIO()
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(config=args.config, seed=args.seed,
                              cfg_options=args.cfg_options or {})), buf)
    atomic_write_bytes(args.out, buf.getvalue())
    print(f'wrote {args.out}')
    return args.out


if __name__ == '__main__':
    main()
