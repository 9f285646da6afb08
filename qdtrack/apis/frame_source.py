"""Frames of a video, read one at a time (nothing is kept).

:class:`FrameSource` reads a video file (OpenCV), a folder of images, a
MOT17 sequence folder (``img1/`` + ``seqinfo.ini``) or an iterable of BGR
arrays, and yields ``(frame_index, image)`` pairs with 0-based indices in
the whole source, so that ``--start``/``--end`` keep the frame numbers of
the file (and of a ``det.txt`` aligned with it).
"""
import os
import os.path as osp
from typing import Iterable, Iterator, Optional, Tuple, Union

import numpy as np

#: Extensions of the image files read from a folder (lower case).
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')

Source = Union[str, os.PathLike, Iterable[np.ndarray]]


class FrameSource:
    """A stream of BGR frames.

    Args:
        source (str | PathLike | Iterable[np.ndarray]): A video file, a
            folder of images (read in sorted file-name order), a MOT17
            sequence folder (its ``img1/``, or the ``imDir`` of its
            ``seqinfo.ini``), or an iterable of (H, W, 3) uint8 BGR
            arrays.
        start (int): Index of the first frame to yield. Defaults to 0.
        end (int, optional): Index one past the last frame to yield.
            Defaults to None (to the end).

    Attributes:
        name (str): The video name (file or folder name without
            extension; ``'video'`` for arrays).
        fps (float, optional): Frame rate when the source records one.
        num_frames (int, optional): Number of frames in the whole source
            when known (before ``start``/``end``).

    Raises:
        FileNotFoundError: A path that does not exist.
        ValueError: A folder without images, a file OpenCV cannot open,
            or ``start``/``end`` out of order.
    """

    def __init__(self, source: Source, start: int = 0,
                 end: Optional[int] = None) -> None:
        if start < 0 or (end is not None and end < start):
            raise ValueError(f'need 0 <= start <= end, got start={start}, '
                             f'end={end}')
        self.start, self.end = int(start), end
        self.fps: Optional[float] = None
        self.num_frames: Optional[int] = None
        self._files = self._video = self._arrays = None
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            self.name = osp.splitext(osp.basename(osp.normpath(path)))[0]
            if osp.isdir(path):
                self._files = _image_files(path)
                self.num_frames = len(self._files)
                self.fps = _seqinfo_fps(path)
            elif osp.isfile(path):
                self._video = path
                self._probe_video(path)
            else:
                raise FileNotFoundError(f'{path}: no such video file or '
                                        'image folder')
        else:
            self.name = 'video'
            self._arrays = source

    def _probe_video(self, path: str) -> None:
        import cv2
        cap = cv2.VideoCapture(path)
        try:
            if not cap.isOpened():
                raise ValueError(f'{path}: OpenCV cannot open this file as '
                                 'a video')
            fps = cap.get(cv2.CAP_PROP_FPS)
            count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            self.fps = fps if fps > 0 else None
            self.num_frames = count if count > 0 else None
        finally:
            cap.release()

    def __len__(self) -> int:
        """Number of frames that iteration yields (when known)."""
        if self.num_frames is None:
            raise TypeError('the number of frames of this source is unknown')
        stop = self.num_frames if self.end is None else min(
            self.end, self.num_frames)
        return max(stop - self.start, 0)

    def __iter__(self) -> Iterator[Tuple[int, np.ndarray]]:
        """Yield ``(frame_index, image)``, image (H, W, 3) uint8 BGR."""
        if self._files is not None:
            frames = self._iter_files()
        elif self._video is not None:
            frames = self._iter_video()
        else:
            frames = self._iter_arrays()
        for index, img in frames:
            if self.end is not None and index >= self.end:
                break
            yield index, img

    def _iter_files(self):
        import cv2
        for index in range(self.start, len(self._files)):
            path = self._files[index]
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f'{path}: cannot read image (corrupt or not '
                                 'an image file)')
            yield index, img

    def _iter_video(self):
        import cv2
        cap = cv2.VideoCapture(self._video)
        try:
            index = 0
            while index < self.start:  # exact, unlike seeking in a codec
                if not cap.grab():
                    return
                index += 1
            while True:
                ok, img = cap.read()
                if not ok:
                    return
                yield index, img
                index += 1
        finally:
            cap.release()

    def _iter_arrays(self):
        for index, img in enumerate(self._arrays):
            if index < self.start:
                continue
            img = np.asarray(img)
            if img.ndim != 3 or img.shape[2] != 3:
                raise ValueError(f'frame {index}: expected an (H, W, 3) BGR '
                                 f'array, got shape {img.shape}')
            yield index, img


def _image_files(folder: str) -> list:
    """Sorted image paths of a folder or of a MOT17 sequence folder."""
    img_dir = folder
    if osp.isfile(osp.join(folder, 'seqinfo.ini')):
        from qdtrack.datasets.mot_files import read_seqinfo
        img_dir = osp.join(folder, read_seqinfo(folder)['imDir'])
    elif osp.isdir(osp.join(folder, 'img1')):
        img_dir = osp.join(folder, 'img1')
    files = sorted(
        osp.join(img_dir, name) for name in os.listdir(img_dir)
        if name.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise ValueError(f'{img_dir}: no image file '
                         f'({", ".join(IMAGE_EXTENSIONS)})')
    return files


def _seqinfo_fps(folder: str) -> Optional[float]:
    if not osp.isfile(osp.join(folder, 'seqinfo.ini')):
        return None
    from qdtrack.datasets.mot_files import read_seqinfo
    return float(read_seqinfo(folder)['frameRate'])
