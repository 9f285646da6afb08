"""Draw the ground truth of a config's dataset, or its training pairs.

    python tools/analysis/browse_dataset.py CONFIG [--split train|test] \\
        [--out DIR | --video out.mp4] [--max-frames N] [--pairs]

Without ``--pairs`` every frame of the split's videos is drawn as loaded
from the annotations, before any transform: boxes coloured by instance id
with the id and class name (the colours of ``tools/demo.py``); boxes
flagged ignore (crowds, distractors) are thin and grey. Images go to
``DIR/<video name>/<image file name>``, or all frames one after the other
into one mp4.

With ``--pairs`` the training pipeline of the config runs on the training
dataset (frame sampling, resizing, cropping, flipping, colour changes) and
each sample's key frame (left) and reference frame (right) are drawn side
by side as the model sees them; a line joins the boxes of an instance in
both frames (the positive pairs of the embedding loss). Samples go to
``DIR/pair_<video>_<frame>.jpg``.
"""
import argparse
import os.path as osp
from typing import Iterator, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from qdtrack import register_all_modules
from qdtrack.apis.draw import draw_tracks, id_color
from qdtrack.apis.video_sink import VideoSink
from qdtrack.registry import DATASETS

#: Colour (BGR) of boxes flagged ignore.
IGNORE_COLOR = (160, 160, 160)
#: Pixels between the key and the reference frame of a pair.
GAP = 8


def build_dataset(cfg: Config, split: str):
    """The config's ``train`` or ``test`` dataset (with its pipeline)."""
    loader = cfg.get(f'{split}_dataloader')
    if not loader or 'dataset' not in loader:
        raise ValueError(f'the config has no {split}_dataloader.dataset')
    init_default_scope(cfg.get('default_scope', 'qdtrack'))
    return DATASETS.build(loader.dataset)


def draw_ground_truth(image: np.ndarray, instances: Sequence[dict],
                      class_names: Optional[Sequence[str]] = None
                      ) -> np.ndarray:
    """Draw a frame's annotated instances.

    Args:
        image (np.ndarray): (H, W, 3) uint8 BGR.
        instances (Sequence[dict]): mmdet instance dicts (``bbox`` x1, y1,
            x2, y2; ``bbox_label``; ``instance_id``; ``ignore_flag``).
        class_names (Sequence[str], optional): Names of the labels.

    Returns:
        np.ndarray: The annotated copy.
    """
    kept = [i for i in instances if not i.get('ignore_flag', 0)]
    canvas = np.ascontiguousarray(image).copy()
    for inst in instances:
        if inst.get('ignore_flag', 0):
            x1, y1, x2, y2 = (int(round(v)) for v in inst['bbox'])
            cv2.rectangle(canvas, (x1, y1), (x2, y2), IGNORE_COLOR, 1)
    boxes = np.array([i['bbox'] for i in kept],
                     dtype=np.float32).reshape(-1, 4)
    ids = np.array([i.get('instance_id', -1) for i in kept], dtype=np.int64)
    labels = np.array([i['bbox_label'] for i in kept], dtype=np.int64)
    return draw_tracks(canvas, boxes, ids, labels,
                       class_names=class_names)


def ground_truth_frames(dataset, max_frames: Optional[int] = None
                        ) -> Iterator[Tuple[str, str, np.ndarray]]:
    """``(video name, image file name, drawn frame)`` in dataset order."""
    classes = dataset.metainfo.get('classes')
    count = 0
    for v in range(len(dataset)):
        video = dataset.get_data_info(v)
        for frame in video['images']:
            if max_frames is not None and count >= max_frames:
                return
            image = cv2.imread(frame['img_path'], cv2.IMREAD_COLOR)
            if image is None:
                raise FileNotFoundError(
                    f'{frame["img_path"]}: image missing or unreadable '
                    f'(video {video["video_name"]})')
            yield (video['video_name'], osp.basename(frame['img_path']),
                   draw_ground_truth(image, frame['instances'], classes))
            count += 1


def _as_image(tensor) -> np.ndarray:
    """(C, H, W) pipeline output -> (H, W, 3) uint8 BGR."""
    arr = tensor.detach().cpu().numpy().transpose(1, 2, 0)
    return np.ascontiguousarray(np.clip(arr, 0, 255).astype(np.uint8))


def draw_pair(packed: dict, class_names: Optional[Sequence[str]] = None
              ) -> np.ndarray:
    """Key and reference frame of one training sample, side by side.

    Args:
        packed (dict): The pipeline's output: ``inputs`` (2, C, H, W) and
            ``data_samples`` (a ``TrackDataSample`` with key and reference
            frames carrying ``gt_instances``).
        class_names (Sequence[str], optional): Names of the labels.

    Returns:
        np.ndarray: (H, 2W + GAP, 3) uint8 BGR.
    """
    sample = packed['data_samples']
    inputs = packed['inputs']
    panels, centres = [], []
    for inds, frames in ((sample.key_frames_inds, sample.get_key_frames()),
                         (sample.ref_frames_inds, sample.get_ref_frames())):
        frame = frames[0]
        gt = frame.gt_instances
        boxes = gt.bboxes.numpy().reshape(-1, 4)
        ids = gt.instances_ids.numpy().astype(np.int64)
        canvas = _as_image(inputs[inds[0]])
        if 'ignored_instances' in frame:
            for box in frame.ignored_instances.bboxes.numpy().reshape(-1, 4):
                x1, y1, x2, y2 = (int(round(v)) for v in box)
                cv2.rectangle(canvas, (x1, y1), (x2, y2), IGNORE_COLOR, 1)
        canvas = draw_tracks(canvas, boxes, ids, gt.labels.numpy(),
                             class_names=class_names)
        cv2.putText(canvas, f'{"key" if not panels else "ref"} frame '
                    f'{frame.metainfo.get("frame_id")}', (4, 14),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1,
                    cv2.LINE_AA)
        panels.append(canvas)
        centres.append({int(i): ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
                        for i, b in zip(ids, boxes)})
    height = max(p.shape[0] for p in panels)
    width = panels[0].shape[1]
    out = np.zeros((height, width + GAP + panels[1].shape[1], 3), np.uint8)
    out[:panels[0].shape[0], :width] = panels[0]
    out[:panels[1].shape[0], width + GAP:] = panels[1]
    for tid in sorted(set(centres[0]) & set(centres[1])):
        (x0, y0), (x1, y1) = centres[0][tid], centres[1][tid]
        cv2.line(out, (int(x0), int(y0)), (int(x1) + width + GAP, int(y1)),
                 id_color(tid), 1, cv2.LINE_8)
    return out


def training_pairs(dataset, max_frames: Optional[int] = None
                   ) -> Iterator[Tuple[str, int, dict]]:
    """``(video name, key frame index, packed sample)``: the training
    pipeline on every frame of every video in order (frames whose sample
    the pipeline drops, e.g. key frames without objects, are skipped)."""
    count = 0
    for v in range(len(dataset)):
        video = dataset.get_data_info(v)
        for f in range(video['video_length']):
            if max_frames is not None and count >= max_frames:
                return
            packed = dataset.prepare_data((v, f))
            if packed is None:
                continue
            yield video['video_name'], f, packed
            count += 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', choices=['train', 'test'],
                        default='train', help='dataset to draw')
    parser.add_argument('--out', help='folder for the images')
    parser.add_argument('--video', help='mp4 receiving all frames instead')
    parser.add_argument('--fps', type=float, default=10)
    parser.add_argument('--max-frames', type=int,
                        help='stop after this many frames (or pairs)')
    parser.add_argument('--pairs', action='store_true',
                        help='draw key/reference pairs of the training '
                        'pipeline (train split)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if bool(args.out) == bool(args.video):
        parser.error('give one of --out DIR and --video FILE')
    if args.pairs and args.split != 'train':
        parser.error('--pairs draws the training pipeline: --split train')
    if args.max_frames is not None and args.max_frames < 1:
        parser.error('--max-frames must be >= 1')
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset = build_dataset(cfg, args.split)
    classes = dataset.metainfo.get('classes')
    if args.pairs:
        items = ((f'pair_{video}_{f:06d}.jpg',
                  draw_pair(packed, classes))
                 for video, f, packed in training_pairs(dataset,
                                                        args.max_frames))
    else:
        items = ((osp.join(video, name), image)
                 for video, name, image in ground_truth_frames(
                     dataset, args.max_frames))
    sink = VideoSink(args.video, args.fps) if args.video else None
    count, ok, size = 0, False, None
    try:
        for name, image in items:
            if sink is not None:  # one video: the first frame's size
                size = size or image.shape[:2]
                if image.shape[:2] != size:
                    image = cv2.resize(image, (size[1], size[0]))
                sink.write(image)
            else:
                _write_image(osp.join(args.out, name), image)
            count += 1
        ok = True
    finally:
        if sink is not None:
            sink.close(ok)
    what = 'pairs' if args.pairs else 'frames'
    print(f'{count} {what} drawn to {args.video or args.out}')
    return count


def _write_image(path: str, image: np.ndarray) -> None:
    from qdtrack.utils.io import atomic_write_bytes
    ok, data = cv2.imencode(osp.splitext(path)[1] or '.jpg', image)
    if not ok:
        raise ValueError(f'{path}: OpenCV cannot encode this image type')
    atomic_write_bytes(path, data.tobytes())


if __name__ == '__main__':
    main()
