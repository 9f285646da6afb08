"""Keep the images of one COCO file that another COCO file holds.

For ablations on the same images: e.g. the ground-truth boxes of exactly
the frames a proposal file covers, as an ideal segmenter's proposals::

    python tools/masa/select_images.py \\
        data/toy/annotations/train_cocoformat.json \\
        data/toy/annotations/masa_proposals_felzenszwalb.json \\
        data/toy/annotations/masa_gt_boxes.json --drop-ignored

Images are matched by ``file_name``; the annotations of the kept images
follow them (``--drop-ignored`` leaves out those marked ``ignore`` or
``iscrowd``). The output is written atomically.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from qdtrack.utils.io import atomic_write_json  # noqa: E402


def select_images(source: dict, reference: dict,
                  drop_ignored: bool = False) -> dict:
    """The images of ``source`` whose file names ``reference`` has.

    Args:
        source (dict): A COCO / CocoVID dict.
        reference (dict): A COCO dict whose ``images`` name the files.
        drop_ignored (bool): Leave out annotations marked ``ignore`` or
            ``iscrowd``.

    Returns:
        dict: ``source`` with only those images and their annotations
        (other keys kept).

    Raises:
        ValueError: A file of ``reference`` is not in ``source``.
    """
    wanted = {img['file_name'] for img in reference['images']}
    images = [img for img in source['images'] if img['file_name'] in wanted]
    missing = wanted - {img['file_name'] for img in images}
    if missing:
        raise ValueError(f'{len(missing)} images of the reference are not '
                         f'in the source, e.g. {sorted(missing)[0]}')
    ids = {img['id'] for img in images}
    anns = [a for a in source['annotations'] if a['image_id'] in ids and not
            (drop_ignored and (a.get('ignore') or a.get('iscrowd')))]
    return {**source, 'images': images, 'annotations': anns}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('source', help='COCO / CocoVID JSON to select from')
    parser.add_argument('reference', help='COCO JSON naming the images')
    parser.add_argument('out', help='output COCO JSON')
    parser.add_argument('--drop-ignored', action='store_true')
    args = parser.parse_args(argv)
    with open(args.source, encoding='utf-8') as f:
        source = json.load(f)
    with open(args.reference, encoding='utf-8') as f:
        reference = json.load(f)
    out = select_images(source, reference, args.drop_ignored)
    atomic_write_json(args.out, out)
    print(f'{len(out["images"])} images, {len(out["annotations"])} '
          f'annotations -> {args.out}')
    return out


if __name__ == '__main__':
    main()
