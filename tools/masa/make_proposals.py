"""Class-agnostic proposals for unlabeled images, as a COCO JSON (MASA).

IMAGES is a folder of images (searched recursively), a COCO / CocoVID JSON
(its images taken as independent images), or a video file (every N-th frame
written to --frames-dir first); --every N keeps every N-th image of a folder
or JSON too. OUT.json is resumable: images already in it
are skipped.

Examples::

    # weight-free source, the toy training frames as unlabeled images
    python tools/masa/make_proposals.py \\
        data/toy/annotations/train_cocoformat.json \\
        data/toy/annotations/masa_proposals_felzenszwalb.json

    # every 5th frame of a video
    python tools/masa/make_proposals.py bikes.mp4 \\
        data/bikes/annotations/masa_proposals_felzenszwalb.json \\
        --every 5 --frames-dir data/bikes/frames --data-root data/bikes

    # SAM "everything" masks (paper settings) with a local checkpoint
    python tools/masa/make_proposals.py data/sa1b/images out.json \\
        --source sam --sam-checkpoint sam_vit_h_4b8939.pth

    # any detector's COCO results (IMAGES: the COCO JSON they refer to)
    python tools/masa/make_proposals.py images.json out.json \\
        --source coco-results --results dets.json --score-thr 0.3

    # self-training: the boxes of a trained MASA model's distillation head
    python tools/masa/make_proposals.py images.json out.json \\
        --source masa --masa-config CONFIG.py --masa-checkpoint iter_N.pth
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write class-agnostic proposals of unlabeled images '
        'as a COCO JSON (category 1 "object", one instance id each).')
    parser.add_argument('images', help='image folder, COCO/CocoVID JSON, '
                        'or video file')
    parser.add_argument('out', help='output COCO JSON (resumed if present)')
    parser.add_argument('--source', default='felzenszwalb',
                        choices=['felzenszwalb', 'sam', 'coco-results',
                                 'masa'])
    parser.add_argument('--data-root', help='folder the stored file names '
                        'are relative to (default: the image folder; the '
                        'folder above a JSON\'s folder; --frames-dir)')
    parser.add_argument('--every', type=int,
                        help='keep every N-th image / video frame (default: '
                        '10 for a video, 1 otherwise)')
    parser.add_argument('--frames-dir', help='video: where frames go')
    parser.add_argument('--max-side', type=int,
                        help='video: shrink frames to this longest side')
    parser.add_argument('--no-masks', action='store_true',
                        help='store boxes only')
    parser.add_argument('--max-per-image', type=int, default=200)
    parser.add_argument('--scales', type=float, nargs='+',
                        help='felzenszwalb: segmentation scales (default: '
                        'the source\'s, 150 450)')
    parser.add_argument('--sigma', type=float,
                        help='felzenszwalb: Gaussian pre-smoothing '
                        '(default: the source\'s, 0.8)')
    parser.add_argument('--score', choices=['contrast', 'boundary'],
                        help='felzenszwalb: the object cue of the score, '
                        'colour contrast to a ring or the edge strength '
                        'along the outline (default: the source\'s, '
                        'contrast)')
    parser.add_argument('--area-weight', type=float,
                        help='felzenszwalb: exponent of the box area in the '
                        'score (default: the source\'s, 0)')
    parser.add_argument('--sam-checkpoint', help='SAM checkpoint (.pth)')
    parser.add_argument('--sam-model', default='vit_h',
                        choices=['vit_h', 'vit_l', 'vit_b'])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--results', help='detector COCO results JSON')
    parser.add_argument('--score-thr', type=float,
                        help='coco-results / masa: boxes scoring below are '
                        'dropped (default 0.3 / 0)')
    parser.add_argument('--masa-config', help='masa: the trained model\'s '
                        'config (with a distillation head)')
    parser.add_argument('--masa-checkpoint', help='masa: its checkpoint')
    parser.add_argument('--save-every', type=int, default=50,
                        help='images between two atomic saves')
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def build_source(args):
    """The proposal source and whether it is called with image ids."""
    if args.source == 'felzenszwalb':
        from qdtrack.datasets.masa import FelzenszwalbProposals
        tuned = {k: v for k, v in (('scales', args.scales),
                                   ('sigma', args.sigma),
                                   ('score', args.score),
                                   ('area_weight', args.area_weight))
                 if v is not None}
        return FelzenszwalbProposals(max_per_image=args.max_per_image,
                                     with_masks=not args.no_masks,
                                     **tuned), False
    if args.source == 'sam':
        from qdtrack.datasets.masa import SAMProposals
        return SAMProposals(args.sam_checkpoint, args.sam_model,
                            device=args.device), False
    if args.source == 'masa':
        if not (args.masa_config and args.masa_checkpoint):
            raise SystemExit('--source masa needs --masa-config and '
                             '--masa-checkpoint')
        from qdtrack.datasets.masa import MASAProposals
        return MASAProposals(
            args.masa_config, args.masa_checkpoint, args.max_per_image,
            0.0 if args.score_thr is None else args.score_thr,
            args.device), False
    if not args.results:
        raise SystemExit('--source coco-results needs --results')
    from qdtrack.datasets.masa import DetectorResultProposals
    return DetectorResultProposals(
        args.results, 0.3 if args.score_thr is None else args.score_thr,
        args.max_per_image), True


def list_images(args):
    from qdtrack.datasets.masa import image_sources as src
    path = args.images
    if path.lower().endswith(src.VIDEO_EXTS):
        if not args.frames_dir:
            raise SystemExit('a video needs --frames-dir for its frames')
        return src.sample_video(path, args.frames_dir, args.every or 10,
                                args.data_root, args.max_side)
    if osp.isdir(path):
        images = src.images_in_folder(path, args.data_root)
    elif path.lower().endswith('.json'):
        images = src.images_in_coco_json(path, args.data_root)
    else:
        raise SystemExit(f'{path}: not a folder, a .json or a video '
                         f'({", ".join(src.VIDEO_EXTS)})')
    return images.every(args.every or 1)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from qdtrack.datasets.masa import propose_images
    images = list_images(args)
    source, by_id = build_source(args)
    stats = propose_images(images, source, args.out, source.settings(),
                           by_image_id=by_id, save_every=args.save_every,
                           progress=not args.no_progress)
    print(json.dumps(stats, indent=2))
    return stats


if __name__ == '__main__':
    main()
