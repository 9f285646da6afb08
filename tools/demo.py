"""Track a video and draw the tracks.

    python tools/demo.py SOURCE CONFIG [CHECKPOINT] --out out.mp4

SOURCE is a video file, a folder of images or a MOT17 sequence folder.
Frames are read, tracked, drawn and written one at a time (memory does not
grow with the video). Track ids are drawn as in the ``--out-txt`` file
(MOTChallenge format, 1-based ids), each in its own colour with a short
trail.
"""
import argparse
import time
from typing import Iterator, Tuple

import cv2
import numpy as np
from mmengine.config import DictAction

from qdtrack.apis import FrameResult, init_tracker, track_video
from qdtrack.apis.draw import Trails, draw_tracks
from qdtrack.apis.video_sink import VideoSink
from qdtrack.evaluation.metrics.mot_challenge_metric import (
    track_rows_from_sample,
)
from qdtrack.evaluation.writers import write_mot_results


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Track a video with a model and draw its tracks')
    parser.add_argument('source', help='video file, image folder or MOT17 '
                        'sequence folder')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file '
                        '(not needed by models without weights, e.g. SORT)')
    parser.add_argument('--out', help='annotated video to write (.mp4)')
    parser.add_argument('--out-txt', help='tracks in MOTChallenge format')
    parser.add_argument('--show', action='store_true',
                        help='show the frames in a window')
    parser.add_argument('--score-thr', type=float, default=0.0,
                        help='draw and write tracks scoring at least this')
    parser.add_argument('--fps', type=float, help='frame rate of --out '
                        '(default: the source\'s, else 25)')
    parser.add_argument('--start', type=int, default=0,
                        help='first frame index (0-based)')
    parser.add_argument('--end', type=int,
                        help='frame index one past the last frame')
    parser.add_argument('--det-file', help='given boxes for every frame '
                        '(MOT17 det.txt, frame f = index f - 1), e.g. for '
                        'SORT')
    parser.add_argument('--trail', type=int, default=20,
                        help='trail length in frames (0: none)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--random-weights', action='store_true',
                        help='run a learned model without checkpoint (its '
                        'initial random weights; smoke tests only)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of --random-weights')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if not (args.out or args.out_txt or args.show):
        parser.error('nothing to do: give --out, --out-txt or --show')
    return args


def annotated_frames(results: Iterator[FrameResult],
                     score_thr: float = 0.0,
                     trail: int = 20,
                     class_names=None
                     ) -> Iterator[Tuple[FrameResult, np.ndarray,
                                         np.ndarray]]:
    """Draw each tracked frame as it comes.

    Args:
        results (Iterator[FrameResult]): From :func:`track_video`.
        score_thr (float): Tracks scoring below are left out.
        trail (int): Trail length in frames.
        class_names (Sequence[str], optional): Names drawn with the ids.

    Yields:
        tuple: The frame's result (drawn: id, class name, trail; the
        scores are in the rows), its (N, 7) MOT rows ``frame, id, x, y,
        w, h, score`` (1-based ids, as written by ``--out-txt``) and the
        annotated image.
    """
    trails = Trails(trail)
    for res in results:
        rows = track_rows_from_sample(res.data_sample, res.frame_index + 1)
        rows = rows[rows[:, 6] >= score_thr]
        boxes = np.concatenate([rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]],
                               axis=1)
        ids = rows[:, 1].astype(np.int64)
        labels = _labels_of(res, ids) if class_names else None
        trails.update(res.frame_index, boxes, ids)
        canvas = draw_tracks(res.image, boxes, ids, labels,
                             class_names=class_names, trails=trails)
        yield res, rows, canvas


def _labels_of(res: FrameResult, mot_ids: np.ndarray) -> np.ndarray:
    by_id = dict(zip((res.ids + 1).tolist(), res.labels.tolist()))
    return np.array([by_id[int(i)] for i in mot_ids], dtype=np.int64)


def main(argv=None) -> dict:
    """Run the demo; returns ``frames``, ``tracks`` and ``fps``."""
    from tqdm import tqdm
    args = parse_args(argv)
    if args.random_weights:
        import torch
        torch.manual_seed(args.seed)
    model = init_tracker(args.config, args.checkpoint, args.device,
                         args.cfg_options, args.random_weights)
    results = track_video(model, args.source, detections=args.det_file,
                          start=args.start, end=args.end)
    from qdtrack.apis import FrameSource
    source = FrameSource(args.source, args.start, args.end)
    fps = args.fps or source.fps or 25.0
    total = len(source) if source.num_frames is not None else None
    classes = model.cfg.get('classes', None)
    sink = VideoSink(args.out, fps) if args.out else None
    all_rows = []
    ok = False
    begin = time.perf_counter()
    try:
        bar = tqdm(annotated_frames(results, args.score_thr, args.trail,
                                    classes),
                   total=total, unit='frame', dynamic_ncols=True)
        for _, rows, canvas in bar:
            all_rows.append(rows)
            if sink is not None:
                sink.write(canvas)
            if args.show:
                cv2.imshow('qdtrack demo', canvas)
                if cv2.waitKey(1) & 0xFF in (ord('q'), 27):
                    break
        ok = True
    finally:
        if sink is not None:
            sink.close(ok)
        if args.show:
            cv2.destroyAllWindows()
    seconds = time.perf_counter() - begin
    rows = np.concatenate(all_rows) if all_rows else np.zeros((0, 7))
    if args.out_txt:
        write_mot_results(args.out_txt, rows)
    frames = len(all_rows)
    summary = dict(frames=frames, tracks=len(np.unique(rows[:, 1])),
                   fps=frames / seconds if seconds > 0 else 0.0)
    print(f'{frames} frames, {summary["tracks"]} tracks, '
          f'{summary["fps"]:.1f} frames/s'
          + (f'; video: {args.out}' if args.out else '')
          + (f'; tracks: {args.out_txt}' if args.out_txt else ''))
    return summary


if __name__ == '__main__':
    main()
