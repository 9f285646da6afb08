"""Proposal counts per image and recall of true boxes (IoU >= 0.5).

Example::

    python tools/masa/proposal_recall.py \\
        data/toy/annotations/masa_proposals_felzenszwalb.json \\
        --gt data/toy/annotations/train_cocoformat.json
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('proposals', help='proposal COCO JSON')
    parser.add_argument('--gt', help='COCO / CocoVID JSON with true boxes')
    parser.add_argument('--iou', type=float, default=0.5)
    parser.add_argument('--top', type=int, help='count only the best TOP '
                        'proposals per image (as training keeps them with '
                        'max_instances=TOP)')
    parser.add_argument('--area-weight', type=float, default=0.0,
                        help='with --top: rank by score x area**W, as the '
                        'dataset\'s area_weight')
    args = parser.parse_args(argv)
    from qdtrack.datasets.masa import proposal_recall
    stats = proposal_recall(args.proposals, args.gt, args.iou, args.top,
                            args.area_weight)
    print(json.dumps(stats, indent=2))
    return stats


if __name__ == '__main__':
    main()
