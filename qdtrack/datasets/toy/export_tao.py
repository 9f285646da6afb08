"""Export a CocoVID dataset (e.g. the toy benchmark) as TAO's JSON.

The result is what TAO's tools, TrackEval's ``TAO`` dataset and our loader
(:func:`qdtrack.datasets.tao.load_tao`) read, so that the whole TAO path
(conversion, TETA, Track mAP) runs on small synthetic data. Image file
names are kept: the TAO JSON uses the same image root as the CocoVID one.

TAO-specific fields are filled in LVIS's way:

- ``synset``: the WordNet synset of the category (a table for the toy
  categories, else ``<name>.n.01``);
- ``frequency``: LVIS's rare / common / frequent bins by the number of
  images showing the category: ``'r'`` up to 10, ``'c'`` up to 100,
  ``'f'`` above; plus ``image_count`` and ``instance_count``;
- federated labels, when the video entries carry none and none are given:
  every category absent from a video is listed in its
  ``neg_category_ids`` (the data are fully labelled, so absence is
  verified), and the least frequent category of the first labelled video
  is listed in its ``not_exhaustive_category_ids`` so that the
  not-exhaustive path of the metrics is exercised.

Fields already present on the CocoVID entries are kept.
"""
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Union

from qdtrack.datasets.tao import cocovid_to_tao, load_as_cocovid
from qdtrack.utils.io import atomic_write_json

__all__ = ['TOY_SYNSETS', 'export_cocovid_as_tao', 'lvis_frequency']

#: WordNet synsets of the toy categories (LVIS uses the same ones).
TOY_SYNSETS = {
    'pedestrian': 'person.n.01',
    'car': 'car.n.01',
    'bicycle': 'bicycle.n.01',
}


def lvis_frequency(image_count: int) -> str:
    """LVIS's frequency bin of a category seen in ``image_count`` images.

    Args:
        image_count (int): Number of images showing the category.

    Returns:
        str: ``'r'`` (1-10 images), ``'c'`` (11-100) or ``'f'`` (>100).
    """
    if image_count <= 10:
        return 'r'
    return 'c' if image_count <= 100 else 'f'


def _auto_federated(data: dict):
    """Negative and not-exhaustive lists for fully labelled data."""
    image_video = {img['id']: img['video_id'] for img in data['images']}
    boxes = defaultdict(Counter)
    for ann in data['annotations']:
        if ann.get('ignore', 0) or ann.get('iscrowd', 0):
            continue
        boxes[image_video[ann['image_id']]][ann['category_id']] += 1
    cat_ids = sorted(c['id'] for c in data['categories'])
    neg, nel = {}, {}
    for vid in data['videos']:
        neg[vid['name']] = [c for c in cat_ids if c not in boxes[vid['id']]]
    for vid in data['videos']:
        if boxes[vid['id']]:
            counts = boxes[vid['id']]
            nel[vid['name']] = [min(counts, key=lambda c: (counts[c], c))]
            break
    return neg, nel


def export_cocovid_as_tao(
        ann_file: Union[str, dict],
        out_file: Optional[str] = None,
        neg_category_ids: Optional[Dict[str, List[int]]] = None,
        not_exhaustive_category_ids: Optional[Dict[str, List[int]]] = None,
        synsets: Optional[Dict[str, str]] = None) -> dict:
    """Convert a CocoVID file to TAO's JSON and optionally write it.

    Args:
        ann_file (str | dict): CocoVID JSON (see ``docs/data_formats.md``),
            as a path or already decoded.
        out_file (str, optional): Where to write the TAO JSON (atomically).
            Defaults to None (only return it).
        neg_category_ids (dict[str, list[int]], optional): Video name ->
            categories verified absent. Defaults to None: the video
            entries' lists, else the automatic rule of the module docstring.
        not_exhaustive_category_ids (dict[str, list[int]], optional): Video
            name -> categories not exhaustively labelled; same defaults.
        synsets (dict[str, str], optional): Category name -> synset, on top
            of :data:`TOY_SYNSETS`. Defaults to None.

    Returns:
        dict: TAO JSON (``videos``, ``images``, ``tracks``,
        ``annotations``, ``categories``).
    """
    source = ann_file if isinstance(ann_file, str) else '<CocoVID dict>'
    data = load_as_cocovid(ann_file, source)
    has_lists = any(
        'neg_category_ids' in v or 'not_exhaustive_category_ids' in v
        for v in data['videos'])
    if not has_lists and neg_category_ids is None and (
            not_exhaustive_category_ids is None):
        neg_category_ids, not_exhaustive_category_ids = _auto_federated(data)
    tao = cocovid_to_tao(data, source, neg_category_ids,
                         not_exhaustive_category_ids)

    table = dict(TOY_SYNSETS, **(synsets or {}))
    images_with = defaultdict(set)
    instances = Counter()
    for ann in tao['annotations']:
        images_with[ann['category_id']].add(ann['image_id'])
        instances[ann['category_id']] += 1
    for cat in tao['categories']:
        default = table.get(cat['name'],
                            cat['name'].strip().replace(' ', '_') + '.n.01')
        cat.setdefault('synset', default)
        cat.setdefault('image_count', len(images_with[cat['id']]))
        cat.setdefault('instance_count', instances[cat['id']])
        cat.setdefault('frequency', lvis_frequency(cat['image_count']))
    if out_file is not None:
        atomic_write_json(out_file, tao, indent=None)
    return tao
