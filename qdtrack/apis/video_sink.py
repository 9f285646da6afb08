"""Write frames to an mp4 that appears only when complete."""
import os
import os.path as osp
import tempfile
from typing import Optional

import cv2
import numpy as np


class VideoSink:
    """An mp4 written to a temporary file, renamed into place on success."""

    def __init__(self, path: str, fps: float) -> None:
        self.path, self.fps = path, fps
        self._writer: Optional[cv2.VideoWriter] = None
        self._tmp: Optional[str] = None
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        if self._writer is None:
            folder = osp.dirname(osp.abspath(self.path))
            os.makedirs(folder, exist_ok=True)
            ext = osp.splitext(self.path)[1] or '.mp4'
            fd, self._tmp = tempfile.mkstemp(
                prefix=f'.{osp.basename(self.path)}.', suffix=ext, dir=folder)
            os.close(fd)
            height, width = image.shape[:2]
            self._writer = cv2.VideoWriter(
                self._tmp, cv2.VideoWriter_fourcc(*'mp4v'), self.fps,
                (width, height))
            if not self._writer.isOpened():
                raise OSError(f'{self.path}: OpenCV cannot write an mp4v '
                              'video here')
        self._writer.write(image)
        self.frames += 1

    def close(self, ok: bool = True) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        if self._tmp is not None:
            if ok:
                os.chmod(self._tmp, 0o644)  # mkstemp made it 0o600
                os.replace(self._tmp, self.path)
            elif osp.exists(self._tmp):
                os.remove(self._tmp)
            self._tmp = None
