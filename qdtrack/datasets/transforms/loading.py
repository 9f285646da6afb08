"""Image loading that names the file and the frame when an image is bad."""
from typing import Optional

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import LoadImageFromFile as _MMCVLoadImageFromFile

from qdtrack.registry import TRANSFORMS

_JPEG_START, _JPEG_END = b'\xff\xd8', b'\xff\xd9'
#: A JPEG's end-of-image marker is looked for in this many final bytes
#: (some writers append padding or metadata after it).
JPEG_TAIL = 1024


class ImageReadError(ValueError):
    """An image file that cannot be read; the message names file and frame.
    """


def image_bytes_problem(data: bytes) -> Optional[str]:
    """What is wrong with the bytes of an image file, if visible.

    OpenCV decodes a truncated JPEG without an error (the missing rows come
    out grey), so a JPEG whose end-of-image marker is missing is reported
    here.

    Args:
        data (bytes): The whole file.

    Returns:
        str | None: ``'empty file (0 bytes)'``, ``'truncated JPEG (no
        end-of-image marker, N bytes)'`` or None.
    """
    if not data:
        return 'empty file (0 bytes)'
    if data.startswith(_JPEG_START) and _JPEG_END not in data[-JPEG_TAIL:]:
        return (f'truncated JPEG (no end-of-image marker, {len(data)} '
                'bytes)')
    return None


def frame_description(results: dict) -> str:
    """``'frame 7 of video TOY-02'`` (or less) from a pipeline dict."""
    frame = results.get('mot_frame_id')
    if frame is None and results.get('frame_id') is not None:
        frame = results['frame_id'] + 1
    video = results.get('video_name')
    parts = []
    if frame is not None:
        parts.append(f'frame {frame}')
    if video is not None:
        parts.append(f'of video {video}')
    return ' '.join(parts)


@TRANSFORMS.register_module()
class LoadImageFromFile(_MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with errors that name file and frame.

    Registered under the same name in the ``qdtrack`` scope, so every config
    of the project uses it. Compared with mmcv's transform, an empty file, a
    truncated JPEG, a missing file or bytes that do not decode raise
    :class:`ImageReadError` with the path, the problem and the frame number
    and video name of the frame (mmcv raises OpenCV's ``!buf.empty()`` or
    returns a partly grey image). With ``ignore_empty`` such a frame gives
    None, as in mmcv. Arguments are mmcv's.
    """

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']`` into ``img``, ``img_shape`` and
        ``ori_shape``."""
        if self.file_client_args is not None:  # deprecated mmcv path
            return super().transform(results)
        filename = results['img_path']
        img, problem = None, None
        try:
            data = fileio.get(filename, backend_args=self.backend_args)
        except FileNotFoundError:
            data, problem = None, 'file not found'
        if data is not None:
            problem = image_bytes_problem(data)
        if problem is None:
            try:
                img = mmcv.imfrombytes(data, flag=self.color_type,
                                       backend=self.imdecode_backend)
            except Exception as err:  # decoder errors of every backend
                problem = f'cannot decode image ({type(err).__name__})'
            if img is None and problem is None:
                problem = 'cannot decode image (corrupt or not an image)'
        if problem is not None:
            if self.ignore_empty:
                return None
            where = frame_description(results)
            raise ImageReadError(f'{filename}: {problem}'
                                 + (f' ({where})' if where else ''))
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results
