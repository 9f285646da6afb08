"""Draw the tracks of every test frame into one folder per video."""
import os.path as osp
from typing import Dict, Optional

import cv2
from mmengine.hooks import Hook

from qdtrack.registry import HOOKS


@HOOKS.register_module()
class TrackDrawHook(Hook):
    """Write each test frame with its tracks to ``out_dir/<video>/``.

    The folder is named by the frame's ``video_name`` (the sequence name of
    the annotation file), the image by its file name; ids are drawn 1-based
    as in the MOTChallenge files, each in its own colour with a short trail
    (:mod:`qdtrack.apis.draw`). ``tools/test.py --show-dir DIR`` adds it.

    Args:
        out_dir (str): Folder written into, exactly (created if needed).
        score_thr (float): Tracks scoring below are not drawn.
            Defaults to 0.
        trail (int): Trail length in frames. Defaults to 20.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, score_thr: float = 0.0,
                 trail: int = 20) -> None:
        self.out_dir = out_dir
        self.score_thr = score_thr
        self.trail = trail
        self._trails: Dict[str, object] = {}

    def after_test_iter(self, runner, batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs=None) -> None:
        from qdtrack.apis.draw import Trails, draw_tracks
        from qdtrack.utils.io import atomic_write_bytes
        for track_sample in outputs or []:
            for frame in track_sample.video_data_samples:
                meta = frame.metainfo
                video = str(meta.get('video_name', meta.get('video_id')))
                if meta.get('frame_index', meta['frame_id']) == 0 or \
                        video not in self._trails:
                    self._trails[video] = Trails(self.trail)
                image = cv2.imread(meta['img_path'], cv2.IMREAD_COLOR)
                if image is None:
                    raise ValueError(f'{meta["img_path"]}: cannot read image')
                pred = frame.pred_track_instances
                keep = (pred.scores >= self.score_thr) & (
                    pred.instances_id >= 0)
                boxes = pred.bboxes[keep].detach().cpu().numpy()
                ids = pred.instances_id[keep].detach().cpu().numpy() + 1
                trails = self._trails[video]
                trails.update(meta['frame_id'], boxes, ids)
                canvas = draw_tracks(image, boxes, ids, trails=trails)
                name = osp.basename(meta['img_path'])
                ok, data = cv2.imencode(osp.splitext(name)[1] or '.jpg',
                                        canvas)
                if not ok:
                    raise ValueError(f'cannot encode {name}')
                atomic_write_bytes(osp.join(self.out_dir, video, name),
                                   data.tobytes())
