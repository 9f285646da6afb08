"""Run by test_demo.py in a fresh process: RSS while tools/demo.py streams.

    python demo_memory_worker.py CLIP CONFIG OUT_DIR N

Tracks and draws 3N frames of CLIP as tools/demo.py does (SORT on 6 given
boxes per frame moving across the image) and records the RSS after N, 2N
and 3N frames;
then, as a control, runs N more frames keeping every annotated frame and
records the RSS again. Prints one JSON line.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..',
                                'tools'))
import demo  # noqa: E402

from qdtrack.apis import init_tracker, track_video  # noqa: E402


def rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def main():
    clip, config, out_dir, n = sys.argv[1], sys.argv[2], sys.argv[3], int(
        sys.argv[4])
    model = init_tracker(config)
    boxes = {}
    for i in range(4 * n):
        x = (np.arange(6) * 90 + 3 * i) % 560
        boxes[i] = np.stack([x, x * 0 + 40, x + 60, x * 0 + 200,
                             np.full(6, 0.9)], axis=1)
    sink = demo.VideoSink(os.path.join(out_dir, 'mem.mp4'), 25)
    rss, kept = {}, []
    frames = demo.annotated_frames(track_video(model, clip, boxes, end=4 * n))
    for k, (_, _, canvas) in enumerate(frames, start=1):
        sink.write(canvas)
        if k > 3 * n:
            kept.append(canvas)
        if k % n == 0:
            rss[k] = rss_mb()
    sink.close()
    print(json.dumps(dict(rss=rss, frames=sink.frames,
                          frame_mb=kept[0].nbytes / 2**20)))


if __name__ == '__main__':
    main()
