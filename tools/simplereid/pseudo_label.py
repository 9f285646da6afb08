"""SimpleReID pseudo-labels: SORT tracklets of unlabeled videos -> ReID JSON.

Examples::

    # MOT17 layout (<split>/<SEQ>/{img1,det/det.txt,seqinfo.ini})
    python tools/simplereid/pseudo_label.py data/toy/train \\
        work_dirs/simplereid/pseudo_labels.json --min-length 5

    # CocoVID JSON + one det.txt per video, or COCO-style results
    python tools/simplereid/pseudo_label.py \\
        data/toy/annotations/train_cocoformat.json out.json \\
        --img-root data/toy --det-file 'data/toy/train/{video}/det/det.txt' \\
        --gt-categories pedestrian

    # second round: link with DeepSORT and a first-round SimpleReID
    python tools/simplereid/pseudo_label.py data/toy/train round2.json \\
        --link-config configs/deepsort/deepsort_simplereid_public-det_toy.py \\
        --reid-checkpoint work_dirs/simplereid/epoch_1.pth

    # held-out ReID evaluation set: ground-truth boxes and identities
    python tools/simplereid/pseudo_label.py data/toy/val val_gt.json \\
        --gt-boxes --frame-stride 10

    # video files (one file or a folder of them): frames decoded once into
    # <out>.frames/<video>/, boxes from a detector run on every frame (an
    # mmdet detector config or a tracking config with a detector, e.g.
    # QDTrack's; --det-labels keeps some of its classes)
    python tools/simplereid/pseudo_label.py videos/ out.json \\
        --det-config configs/qdtrack/qdtrack_faster-rcnn_toy.py \\
        --det-checkpoint work_dirs/qdtrack_faster-rcnn_toy/iter_960.pth \\
        --det-labels 0

The output follows mmengine's dataset format ``{"metainfo", "data_list"}``
(read by :class:`qdtrack.datasets.PseudoReIDDataset`): one record per box
with ``img_path``, ``bbox`` ``[x1, y1, x2, y2]``, ``gt_label`` (identity,
contiguous from 0), ``video``, ``frame_index`` (0-based position),
``mot_frame_id`` (1-based), ``score`` and ``tracklet`` (SORT id in its
video). With ``--link-config`` the boxes are linked by a DeepSORT model config
(:class:`qdtrack.models.mot.DeepSORT`, e.g. with a first-round SimpleReID
checkpoint: ``--reid-checkpoint``) instead of SORT, run frame by frame on
the images exactly as ``tools/test.py`` runs it. Each video's result is
first written to ``<out>.parts/`` so that an
interrupted run resumes where it stopped (with the same settings); all files
are written atomically. Video files are decoded with OpenCV into
``<frames-dir>/<video>/000001.jpg, ...`` once: a finished folder is reused
while the video file is unchanged, an interrupted one keeps the frames it
has. Where ground truth exists (``gt/gt.txt`` or CocoVID
annotations) the quality of the pseudo-labels is printed and stored in
``metainfo['quality']``.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import sys
import time
from collections import defaultdict

import numpy as np
from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from qdtrack.datasets.mot_files import (  # noqa: E402
    list_mot_sequences,
    read_mot_det,
    read_mot_gt,
    read_seqinfo,
)
from qdtrack.datasets.reid_pseudo_labels import (  # noqa: E402
    box_filter,
    join_tracklet_parts,
    length_filter,
    link_tracklets,
    match_to_gt,
    summarise_quality,
    tracklet_quality,
)
from qdtrack.models.trackers.sort_tracker import SORTTracker  # noqa: E402
from qdtrack.utils.io import atomic_write_json  # noqa: E402

FORMAT_VERSION = 1
#: Extensions of the video files read with OpenCV (lower case).
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
                    '.mpeg')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('videos', help='MOT17-layout split folder, CocoVID JSON '
                   'file, a video file (' + ', '.join(VIDEO_EXTENSIONS) +
                   ') or a folder of video files')
    p.add_argument('out', help='output JSON file')
    p.add_argument('--img-root', default='',
                   help='folder the CocoVID file_name values are under')
    p.add_argument('--det-file', help='det.txt per video, a template with '
                   '{video}; default <split>/<video>/det/det.txt for the '
                   'MOT layout')
    p.add_argument('--coco-results', help='COCO-style detection results '
                   '(image_id, bbox xywh, score) for a CocoVID input')
    vid = p.add_argument_group('video files')
    vid.add_argument('--frames-dir', help='where decoded frames go '
                     '(default <out>.frames)')
    vid.add_argument('--max-frames', type=int, help='decode at most this '
                     'many frames of each video')
    det = p.add_argument_group('detector (boxes of every frame)')
    det.add_argument('--det-config', help='mmdet detector config, or a '
                     'tracking config whose model has a detector (QDTrack)')
    det.add_argument('--det-checkpoint', help='its checkpoint')
    det.add_argument('--det-cfg-options', nargs='+', action=DictAction,
                     default={}, help='overrides of the detector config')
    det.add_argument('--det-labels', type=int, nargs='+',
                     help='class indices of the detector to keep (default '
                     'all)')
    det.add_argument('--det-random-weights', action='store_true',
                     help='no checkpoint: random weights (tests only)')
    det.add_argument('--device', default='cpu', help='of the detector')
    p.add_argument('--gt-boxes', action='store_true',
                   help='use the ground-truth boxes and identities instead '
                   'of detections and SORT (ReID evaluation sets)')
    p.add_argument('--identity', choices=('tracklet', 'gt'),
                   default='tracklet', help='label of a kept box: its SORT '
                   'tracklet (SimpleReID) or its matched ground-truth '
                   'identity (supervised baseline on the same boxes)')
    sort = p.add_argument_group('SORT')
    sort.add_argument('--max-age', type=int, default=1)
    sort.add_argument('--min-hits', type=int, default=3)
    sort.add_argument('--iou-thr', type=float, default=0.3)
    sort.add_argument('--det-score-thr', type=float, default=0.0,
                      help='detections below never enter SORT')
    link = p.add_argument_group('DeepSORT linking (instead of SORT)')
    link.add_argument('--link-config', help='DeepSORT model config (given '
                      'boxes, e.g. configs/deepsort/'
                      'deepsort_simplereid_public-det_toy.py): link '
                      'tracklets with it instead of SORT')
    link.add_argument('--reid-checkpoint', help='ReID checkpoint of the '
                      'DeepSORT model (sets model.reid_checkpoint)')
    link.add_argument('--link-cfg-options', nargs='+', action=DictAction,
                      default={}, help='overrides of the DeepSORT config, '
                      'e.g. model.tracker.max_cosine_distance=0.5')
    filt = p.add_argument_group('filters')
    filt.add_argument('--min-length', type=int, default=5,
                      help='fewest kept boxes of a tracklet')
    filt.add_argument('--min-score', type=float, default=0.0)
    filt.add_argument('--min-height', type=float, default=16.0)
    filt.add_argument('--min-width', type=float, default=4.0)
    filt.add_argument('--border-margin', type=float, default=1.0,
                      help='drop boxes within this many pixels of the '
                      'image border; negative keeps them')
    filt.add_argument('--frame-stride', type=int, default=1,
                      help='keep boxes of every n-th frame only (after '
                      'linking)')
    gt = p.add_argument_group('ground truth (quality report)')
    gt.add_argument('--gt-classes', type=int, nargs='+', default=[1],
                    help='MOT gt.txt classes counted as identities')
    gt.add_argument('--gt-categories', nargs='+',
                    help='CocoVID category names counted as identities '
                    '(default: all)')
    gt.add_argument('--quality-iou', type=float, default=0.5,
                    help='IoU of a box with its ground-truth box')
    p.add_argument('--no-resume', action='store_true',
                   help='recompute videos already in <out>.parts/')
    p.add_argument('--keep-parts', action='store_true',
                   help='keep <out>.parts/ after writing the output')
    return p.parse_args(argv)


# --------------------------------------------------------------- inputs
def _gt_array(rows):
    """(G, 6) float64 ``mot_frame, id, x1, y1, x2, y2``."""
    return np.asarray(rows, dtype=np.float64).reshape(-1, 6)


def mot_videos(split_root, args):
    """Videos of a MOT17-layout split."""
    for name in list_mot_sequences(split_root):
        seq = osp.join(split_root, name)
        info = read_seqinfo(seq)
        n = info['seqLength']
        img_dir = osp.join(seq, info['imDir'])
        frames = [(i, i + 1, osp.join(img_dir, f'{i + 1:06d}{info["imExt"]}'))
                  for i in range(n)]
        gt = None
        gt_file = osp.join(seq, 'gt', 'gt.txt')
        if osp.isfile(gt_file):
            g = read_mot_gt(gt_file, max_frame=n)
            g = g[(g[:, 6] == 1) & np.isin(g[:, 7], args.gt_classes)]
            gt = _gt_array(np.concatenate(
                [g[:, :4], g[:, 2:4] + g[:, 4:6]], axis=1))
        det_file = (args.det_file.format(video=name) if args.det_file else
                    osp.join(seq, 'det', 'det.txt'))
        yield dict(name=name, size=(info['imWidth'], info['imHeight']),
                   frames=frames, gt=gt, det_file=det_file, image_ids=None)


def coco_videos(ann_file, args):
    """Videos of a CocoVID JSON file (frames ordered by ``frame_id``)."""
    try:
        with open(ann_file, encoding='utf-8') as f:
            data = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'{ann_file}: not valid JSON ({err})') from None
    for key in ('images', 'videos'):
        if not isinstance(data.get(key), list):
            raise ValueError(f'{ann_file}: missing list "{key}"')
    cats = {c['id']: c['name'] for c in data.get('categories', [])}
    wanted = set(args.gt_categories or cats.values())
    unknown = wanted - set(cats.values())
    if unknown:
        raise ValueError(f'{ann_file}: unknown --gt-categories '
                         f'{sorted(unknown)}; it has {sorted(cats.values())}')
    anns = defaultdict(list)
    for a in data.get('annotations', []):
        if cats.get(a['category_id']) in wanted:
            anns[a['image_id']].append(a)
    images = defaultdict(list)
    for img in data['images']:
        if 'video_id' not in img or 'frame_id' not in img:
            raise ValueError(f'{ann_file}: image {img.get("id")} lacks '
                             'video_id or frame_id')
        images[img['video_id']].append(img)
    has_gt = bool(data.get('annotations'))
    for video in data['videos']:
        imgs = sorted(images[video['id']], key=lambda i: i['frame_id'])
        if not imgs:
            continue
        name = video.get('name', str(video['id']))
        frames, rows, image_ids = [], [], {}
        for pos, img in enumerate(imgs):
            mot = img.get('mot_frame_id', img['frame_id'] + 1)
            frames.append((pos, mot, osp.join(args.img_root,
                                              img['file_name'])))
            image_ids[img['id']] = mot
            for a in anns[img['id']]:
                if a.get('iscrowd', 0) or a.get('ignore', 0):
                    continue
                x, y, w, h = a['bbox']
                rows.append((mot, a.get('instance_id', a['id']), x, y,
                             x + w, y + h))
        yield dict(name=name, size=(imgs[0]['width'], imgs[0]['height']),
                   frames=frames, gt=_gt_array(rows) if has_gt else None,
                   det_file=(args.det_file.format(video=name)
                             if args.det_file else None),
                   image_ids=image_ids)


def is_video_file(path):
    return osp.splitext(path)[1].lower() in VIDEO_EXTENSIONS


def list_video_files(path):
    """The video files of ``path``: itself, or those directly in a folder
    (sorted); [] when there are none."""
    if osp.isfile(path):
        return [path] if is_video_file(path) else []
    if not osp.isdir(path):
        return []
    files = sorted(osp.join(path, n) for n in os.listdir(path)
                   if not n.startswith('.') and is_video_file(n)
                   and osp.isfile(osp.join(path, n)))
    stems = [osp.splitext(osp.basename(f))[0] for f in files]
    twins = sorted({s for s in stems if stems.count(s) > 1})
    if twins:
        raise ValueError(f'{path}: video files with the same name '
                         f'{twins} (their frames would share a folder)')
    return files


def extract_frames(video_file, out_dir, max_frames=None):
    """Decode a video file into ``out_dir/000001.jpg, ...`` once.

    ``out_dir/frames.json`` marks a finished folder; it is reused while the
    video file (size, modification time) and ``max_frames`` are the same.
    An interrupted run keeps the frames it wrote (each written atomically)
    and writes only the missing ones when resumed.

    Returns:
        dict: ``num_frames``, ``width``, ``height``, ``fps`` and the
        ``paths`` of the frame images.

    Raises:
        ValueError: OpenCV cannot open the file or decodes no frame.
    """
    import cv2

    from qdtrack.apis import FrameSource
    from qdtrack.utils.io import atomic_write_bytes
    stat = os.stat(video_file)
    key = dict(source=osp.abspath(video_file), size=stat.st_size,
               mtime_ns=stat.st_mtime_ns, max_frames=max_frames)
    done_file = osp.join(out_dir, 'frames.json')
    partial_file = osp.join(out_dir, 'frames.partial.json')

    def frame_path(i):
        return osp.join(out_dir, f'{i + 1:06d}.jpg')

    for marker in (done_file, partial_file):
        info = _read_marker(marker)
        if info is not None and info.get('key') != key:
            os.remove(marker)
    info = _read_marker(done_file)
    if info is not None:
        info['paths'] = [frame_path(i) for i in range(info['num_frames'])]
        if all(osp.isfile(p) for p in info['paths']):
            return info
    resume = _read_marker(partial_file) is not None
    atomic_write_json(partial_file, dict(key=key))
    source = FrameSource(video_file, end=max_frames)
    num = height = width = 0
    start = time.time()
    for index, img in source:
        path = frame_path(index)
        if not (resume and osp.isfile(path)):
            ok, data = cv2.imencode('.jpg', img,
                                    [cv2.IMWRITE_JPEG_QUALITY, 95])
            if not ok:
                raise ValueError(f'{video_file}: frame {index} cannot be '
                                 'encoded as JPEG')
            atomic_write_bytes(path, data.tobytes())
        num, (height, width) = index + 1, img.shape[:2]
        if num % 100 == 0:
            print(f'{video_file}: {num} frames decoded', file=sys.stderr,
                  flush=True)
    if num == 0:
        raise ValueError(f'{video_file}: OpenCV decoded no frame (empty or '
                         'unsupported video)')
    info = dict(key=key, num_frames=num, width=width, height=height,
                fps=source.fps)
    atomic_write_json(done_file, info)
    os.remove(partial_file)
    print(f'{video_file}: {num} frames decoded into {out_dir} '
          f'{time.time() - start:.1f} s', file=sys.stderr, flush=True)
    info['paths'] = [frame_path(i) for i in range(num)]
    return info


def _read_marker(path):
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # a damaged marker is no marker


def file_videos(video_files, args):
    """Videos of video files (frames decoded into ``--frames-dir``)."""
    frames_dir = args.frames_dir or args.out + '.frames'
    for path in video_files:
        name = osp.splitext(osp.basename(path))[0]
        info = extract_frames(path, osp.join(frames_dir, name),
                              args.max_frames)
        yield dict(name=name, size=(info['width'], info['height']),
                   frames=[(i, i + 1, p) for i, p in
                           enumerate(info['paths'])],
                   gt=None, image_ids=None,
                   det_file=(args.det_file.format(video=name)
                             if args.det_file else None))


def load_coco_results(path):
    """COCO results grouped by image id: ``{image_id: (K, 5) xyxy+score}``
    (read and checked by :func:`qdtrack.datasets.coco_results.read_coco_det`,
    which names the file and the record of an error)."""
    from qdtrack.datasets.coco_results import read_coco_det
    rows = read_coco_det(path)
    boxes = np.concatenate([rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6],
                            rows[:, 6:7]], axis=1)
    image_ids = rows[:, 0].astype(np.int64)
    return {int(i): boxes[image_ids == i] for i in np.unique(image_ids)}


def video_detections(video, coco_results, det_model=None, det_labels=None):
    """``{mot_frame_id: (K, 5)}`` boxes of one video."""
    if det_model is not None:
        return detect_video(det_model, video, det_labels)
    if coco_results is not None:
        if video['image_ids'] is None:
            raise ValueError('--coco-results needs a CocoVID input')
        return {mot: coco_results[img_id]
                for img_id, mot in video['image_ids'].items()
                if img_id in coco_results}
    if video['det_file'] is None:
        raise ValueError(f'{video["name"]}: no boxes: give --det-file, '
                         '--coco-results or --det-config')
    det = read_mot_det(video['det_file'], max_frame=max(
        f[1] for f in video['frames']))
    boxes = np.concatenate([det[:, 2:4], det[:, 2:4] + det[:, 4:6],
                            det[:, 6:7]], axis=1)
    frames = det[:, 0].astype(np.int64)
    return {int(f): boxes[frames == f] for f in np.unique(frames)}


# ------------------------------------------------------------ per video
def label_video(video, args, coco_results):
    """Tracklets, filters and quality counts of one video."""
    frames = video['frames']
    gt = video['gt']
    if args.gt_boxes:
        if gt is None:
            raise ValueError(f'{video["name"]}: --gt-boxes needs ground '
                             'truth')
        index_of = {mot: pos for pos, mot, _ in frames}
        linked = dict(frame_index=np.asarray(
            [index_of[int(m)] for m in gt[:, 0]], dtype=np.int64),
            bboxes=gt[:, 2:6], scores=np.ones(len(gt)),
            tracklet=gt[:, 1].astype(np.int64))
        num_in = len(gt)
    else:
        dets = video_detections(video, coco_results,
                                getattr(args, 'det_model', None),
                                args.det_labels)
        empty = np.zeros((0, 5))
        per_frame = [(pos, dets.get(mot, empty)) for pos, mot, _ in frames]
        per_frame = [(pos, d[d[:, 4] >= args.det_score_thr])
                     for pos, d in per_frame]
        num_in = sum(len(d) for _, d in per_frame)
        link_model = getattr(args, 'link_model', None)
        if link_model is not None:
            linked = link_with_model(link_model, video, per_frame)
        else:
            tracker = SORTTracker(max_age=args.max_age,
                                  min_hits=args.min_hits,
                                  iou_threshold=args.iou_thr)
            linked = link_tracklets(
                ((pos, d[:, :4], d[:, 4]) for pos, d in per_frame),
                tracker)
    num_tracklets = len(np.unique(linked['tracklet']))
    keep = box_filter(linked['bboxes'], linked['scores'], video['size'],
                      min_score=args.min_score, min_height=args.min_height,
                      min_width=args.min_width,
                      border_margin=(None if args.border_margin < 0 else
                                     args.border_margin))
    keep &= linked['frame_index'] % args.frame_stride == 0
    keep[keep] = length_filter(linked['tracklet'][keep], args.min_length)
    sel = {k: v[keep] for k, v in linked.items()}
    mot_of = np.asarray([mot for _, mot, _ in frames], dtype=np.int64)
    paths = [p for _, _, p in frames]
    box_ids = quality = None
    if gt is not None:
        if args.gt_boxes:
            box_ids = sel['tracklet']
        else:
            box_ids = match_to_gt(mot_of[sel['frame_index']], sel['bboxes'],
                                  gt[:, 0], gt[:, 2:6],
                                  gt[:, 1].astype(np.int64),
                                  args.quality_iou)
        quality = tracklet_quality(sel['tracklet'], box_ids, len(gt),
                                   len(np.unique(gt[:, 1])))
    if args.identity == 'gt' and not args.gt_boxes:
        if box_ids is None:
            raise ValueError(f'{video["name"]}: --identity gt needs ground '
                             'truth')
        matched = box_ids >= 0
        sel = {k: v[matched] for k, v in sel.items()}
        sel['tracklet'] = box_ids[matched]
    records = [
        dict(img_path=paths[f], bbox=[round(float(v), 2) for v in box],
             video=video['name'], frame_index=int(f),
             mot_frame_id=int(mot_of[f]), score=round(float(s), 4),
             tracklet=int(t))
        for f, box, s, t in zip(sel['frame_index'], sel['bboxes'],
                                sel['scores'], sel['tracklet'])
    ]
    stats = dict(input_boxes=int(num_in), linked_boxes=int(keep.size),
                 tracklets_linked=int(num_tracklets),
                 kept_boxes=len(records),
                 kept_tracklets=len({r['tracklet'] for r in records}))
    return dict(records=records, stats=stats, quality=quality)


def check_det_args(args):
    """Errors in the detector options, before anything is decoded."""
    if not args.det_config:
        if (args.det_checkpoint or args.det_cfg_options or args.det_labels
                or args.det_random_weights):
            raise ValueError('--det-checkpoint, --det-cfg-options, '
                             '--det-labels and --det-random-weights need '
                             '--det-config')
        return
    if args.det_file or args.coco_results:
        raise ValueError('--det-config excludes --det-file and '
                         '--coco-results (one source of boxes)')
    if not osp.isfile(args.det_config):
        raise ValueError(f'{args.det_config}: no such detector config')
    if args.det_checkpoint and not osp.isfile(args.det_checkpoint):
        raise ValueError(f'{args.det_checkpoint}: no such checkpoint')
    if not args.det_checkpoint and not args.det_random_weights:
        raise ValueError(f'{args.det_config}: --det-checkpoint is needed '
                         '(or --det-random-weights for a test)')


def build_det_model(args):
    """The detector of ``--det-config`` (None without it)."""
    if not args.det_config:
        return None
    from qdtrack.apis import init_detector
    return init_detector(args.det_config, args.det_checkpoint,
                         device=args.device,
                         cfg_options=dict(args.det_cfg_options),
                         random_weights=args.det_random_weights)


def detect_video(model, video, det_labels=None):
    """``{mot_frame_id: (K, 5)}`` boxes of a detector on a video's frames.

    Args:
        model: A detector from :func:`build_det_model`.
        video (dict): The video (``frames``: ``(position, mot_frame, image
            path)``).
        det_labels (list[int], optional): Classes to keep.

    Returns:
        dict: ``x1, y1, x2, y2, score`` rows per 1-based frame number.
    """
    import cv2

    from qdtrack.apis import detect
    out = {}
    start = time.time()
    for pos, mot, path in video['frames']:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'{path}: cannot read image')
        bboxes, scores, labels = detect(model, img, pos)
        keep = (np.ones(len(labels), bool) if det_labels is None else
                np.isin(labels, det_labels))
        out[mot] = np.concatenate([bboxes, scores[:, None]],
                                  axis=1)[keep].astype(np.float64)
        if (pos + 1) % 50 == 0:
            print(f'{video["name"]}: detected {pos + 1}/'
                  f'{len(video["frames"])} frames '
                  f'{time.time() - start:.1f} s', file=sys.stderr,
                  flush=True)
    return out


def build_link_model(args):
    """The DeepSORT model of ``--link-config`` (None without it)."""
    if not args.link_config:
        if args.reid_checkpoint or args.link_cfg_options:
            raise ValueError('--reid-checkpoint and --link-cfg-options need '
                             '--link-config')
        return None
    from mmengine.config import Config

    from qdtrack.apis import init_tracker
    cfg = Config.fromfile(args.link_config)
    if cfg.model.get('type') != 'DeepSORT':
        raise ValueError(f'{args.link_config}: --link-config must be a '
                         f'DeepSORT model config, got model type '
                         f'{cfg.model.get("type")!r}')
    if cfg.model.get('detector'):
        raise ValueError(f'{args.link_config}: the DeepSORT model must '
                         'track given boxes (no detector)')
    options = dict(args.link_cfg_options)
    if args.reid_checkpoint:
        if not osp.isfile(args.reid_checkpoint):
            raise ValueError(f'{args.reid_checkpoint}: no such checkpoint')
        options['model.reid_checkpoint'] = args.reid_checkpoint
    if cfg.model.tracker.get('type') == 'DeepSORTTracker':
        options['model.tracker.output'] = 'detection'  # keep the det boxes
    return init_tracker(cfg, cfg_options=options)


def link_with_model(model, video, per_frame):
    """Tracklets of one video from a DeepSORT model on its images.

    Args:
        model: A DeepSORT model from :func:`build_link_model`.
        video (dict): The video (``frames``: ``(position, mot_frame,
            image path)``).
        per_frame (list): ``(position, (K, 5) boxes + scores)`` per frame.

    Returns:
        dict: as :func:`link_tracklets`: ``frame_index``, ``det_index``,
        ``tracklet``, ``bboxes`` (the given boxes) and ``scores``.
    """
    import mmcv

    from qdtrack.apis import track_video
    dets = dict(per_frame)
    paths = [path for _, _, path in video['frames']]

    def images():
        for path in paths:
            img = mmcv.imread(path)
            if img is None:
                raise ValueError(f'{path}: cannot read image')
            yield img

    parts = defaultdict(list)
    for res in track_video(model, images(), detections=dets,
                           name=video['name']):
        if len(res.ids) == 0:
            continue
        d = dets[res.frame_index]
        # rows of the given boxes the tracker output (they went through
        # float32 in the model)
        given = d[:, :4].astype(np.float32)
        same = (res.bboxes[:, None] == given[None]).all(-1)
        if not same.any(axis=1).all():
            raise RuntimeError(f'{video["name"]}: the tracker output a box '
                               'that is not a given box (its tracker must '
                               'output detection boxes)')
        rows = same.argmax(axis=1)
        parts['frame_index'].append(np.full(len(rows), res.frame_index,
                                            np.int64))
        parts['det_index'].append(rows.astype(np.int64))
        parts['tracklet'].append(res.ids.astype(np.int64))
        parts['bboxes'].append(d[rows, :4])
        parts['scores'].append(d[rows, 4])
    return join_tracklet_parts(parts)


def settings_of(args):
    keys = ('max_age', 'min_hits', 'iou_thr', 'det_score_thr', 'min_length',
            'min_score', 'min_height', 'min_width', 'border_margin',
            'frame_stride', 'gt_classes', 'gt_categories', 'quality_iou',
            'gt_boxes', 'identity', 'det_file', 'coco_results', 'img_root',
            'link_config', 'reid_checkpoint', 'link_cfg_options',
            'max_frames', 'det_config', 'det_checkpoint', 'det_cfg_options',
            'det_labels', 'det_random_weights')
    s = {k: getattr(args, k) for k in keys}
    for k in ('link_cfg_options', 'det_cfg_options'):
        s[k] = dict(s[k] or {})
    s['format_version'] = FORMAT_VERSION
    return s


def main(argv=None):
    args = parse_args(argv)
    if args.frame_stride < 1 or args.min_length < 1:
        sys.exit('--frame-stride and --min-length must be >= 1')
    if args.max_frames is not None and args.max_frames < 1:
        sys.exit('--max-frames must be >= 1')
    try:
        check_det_args(args)
        video_files = list_video_files(args.videos)
        if video_files:
            if args.coco_results:
                raise ValueError(f'{args.videos}: video files have no image '
                                 'ids for --coco-results; give --det-file '
                                 'or --det-config')
            if args.gt_boxes or args.identity == 'gt':
                raise ValueError(f'{args.videos}: video files have no '
                                 'ground truth (--gt-boxes, --identity gt)')
            if not (args.det_file or args.det_config):
                raise ValueError(f'{args.videos}: video files need boxes: '
                                 'give --det-file or --det-config')
            videos = file_videos(video_files, args)
        elif osp.isdir(args.videos):
            videos = mot_videos(args.videos, args)
        elif osp.isfile(args.videos):
            if osp.splitext(args.videos)[1].lower() != '.json':
                raise ValueError(
                    f'{args.videos}: not a CocoVID .json nor a video file '
                    f'({", ".join(VIDEO_EXTENSIONS)})')
            videos = coco_videos(args.videos, args)
        else:
            raise ValueError(f'{args.videos}: neither a MOT split folder, '
                             'a video file nor a JSON file')
        coco_results = (load_coco_results(args.coco_results)
                        if args.coco_results else None)
        args.det_model = build_det_model(args)
        args.link_model = build_link_model(args)
        videos = list(videos)
    except (ValueError, FileNotFoundError) as err:
        sys.exit(str(err))
    settings = settings_of(args)
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True).encode())
    parts_dir = args.out + '.parts'
    start = time.time()
    results = []
    for i, video in enumerate(videos, 1):
        part = osp.join(parts_dir, video['name'] + '.json')
        res = None
        if not args.no_resume and osp.isfile(part):
            with open(part, encoding='utf-8') as f:
                res = json.load(f)
            if res.get('settings_sha1') != digest.hexdigest():
                res = None
        state = 'resumed'
        if res is None:
            state = 'done'
            res = label_video(video, args, coco_results)
            res['settings_sha1'] = digest.hexdigest()
            atomic_write_json(part, res, indent=None)
        res['name'] = video['name']
        results.append(res)
        s = res['stats']
        print(f'[{i}/{len(videos)}] {video["name"]}: {state}, '
              f'{s["kept_boxes"]} boxes in {s["kept_tracklets"]} identities '
              f'({s["tracklets_linked"]} tracklets linked) '
              f'{time.time() - start:.1f} s', file=sys.stderr, flush=True)

    data_list, labels = [], {}
    for res in results:
        for r in res['records']:
            key = (res['name'], r['tracklet'])
            r['gt_label'] = labels.setdefault(key, len(labels))
            data_list.append(r)
    qualities = [r['quality'] for r in results if r['quality'] is not None]
    quality = summarise_quality(qualities) if qualities else None
    metainfo = dict(
        task='SimpleReID pseudo-labels', num_ids=len(labels),
        num_boxes=len(data_list), settings=settings,
        videos={r['name']: r['stats'] for r in results}, quality=quality)
    atomic_write_json(args.out, dict(metainfo=metainfo, data_list=data_list),
                      indent=None)
    if not args.keep_parts:
        for res in results:
            part = osp.join(parts_dir, res['name'] + '.json')
            if osp.isfile(part):
                os.remove(part)
        if osp.isdir(parts_dir) and not os.listdir(parts_dir):
            os.rmdir(parts_dir)
    summary = dict(out=args.out, num_ids=len(labels),
                   num_boxes=len(data_list), quality=quality,
                   seconds=round(time.time() - start, 1))
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == '__main__':
    main()
