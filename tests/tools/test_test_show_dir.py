"""tools/test.py --show-dir: one folder per video, named by the video."""
import os
import os.path as osp
import sys

import cv2
import numpy as np

from qdtrack.apis.draw import Trails, draw_tracks
from qdtrack.datasets.mot_files import read_mot_results
from qdtrack.datasets.toy import generate_toy_benchmark

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import test as test_tool  # noqa: E402

NUM_FRAMES = 8


def test_show_dir_draws_the_written_tracks(tmp_path):
    toy = tmp_path / 'toy'
    generate_toy_benchmark(toy, seed=4, num_train=1, num_val=2,
                           num_frames=NUM_FRAMES, width=160, height=120,
                           progress=False)
    show = tmp_path / 'show'
    test_tool.main([
        osp.join(ROOT, 'configs/sort/sort_public-det_toy.py'), '--work-dir',
        str(tmp_path / 'work'), '--out', str(tmp_path / 'res'),
        '--show-dir', str(show), '--cfg-options',
        f'test_dataloader.dataset.data_root={toy}/',
        f'test_evaluator.gt_root={toy}/val', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    names = [f'{i:06d}.jpg' for i in range(1, NUM_FRAMES + 1)]
    assert sorted(os.listdir(show)) == ['TOY-02', 'TOY-03']
    for seq in ('TOY-02', 'TOY-03'):
        assert sorted(os.listdir(show / seq)) == names
        rows = read_mot_results(str(tmp_path / 'res' / f'{seq}.txt'))
        trails = Trails(20)
        for frame, name in enumerate(names, start=1):
            r = rows[rows[:, 0] == frame]
            boxes = np.concatenate([r[:, 2:4], r[:, 2:4] + r[:, 4:6]], 1)
            ids = r[:, 1].astype(int)
            trails.update(frame - 1, boxes, ids)
            source = cv2.imread(str(toy / 'val' / seq / 'img1' / name))
            expected = draw_tracks(source, boxes, ids, trails=trails)
            expected = cv2.imdecode(cv2.imencode('.jpg', expected)[1],
                                    cv2.IMREAD_COLOR)
            drawn = cv2.imread(str(show / seq / name))
            np.testing.assert_array_equal(drawn, expected)
        assert len(rows) > NUM_FRAMES
