"""LoadImageFromFile names the file and the frame of a bad image."""
import cv2
import numpy as np
import pytest

from qdtrack.datasets.transforms import ImageReadError, LoadImageFromFile
from qdtrack.datasets.transforms.loading import image_bytes_problem
from qdtrack.registry import TRANSFORMS


def _jpeg(tmp_path, name='000003.jpg'):
    img = np.random.default_rng(0).integers(0, 255, (48, 64, 3), np.uint8)
    path = tmp_path / name
    cv2.imwrite(str(path), img)
    return path, img


def _frame(path):
    return dict(img_path=str(path), frame_id=2, mot_frame_id=3,
                video_name='TOY-02')


def test_good_image_loads_like_mmcv(tmp_path):
    path, img = _jpeg(tmp_path)
    out = LoadImageFromFile().transform(_frame(path))
    assert out['img'].shape == (48, 64, 3)
    assert out['img_shape'] == out['ori_shape'] == (48, 64)
    np.testing.assert_array_equal(out['img'], cv2.imread(str(path)))
    # the configs' type name resolves to this class in the qdtrack scope
    assert TRANSFORMS.get('LoadImageFromFile') is LoadImageFromFile


@pytest.mark.parametrize('damage,problem', [
    (lambda b: b'', r'empty file \(0 bytes\)'),
    (lambda b: b[:len(b) // 2], r'truncated JPEG \(no end-of-image marker'),
    (lambda b: b'\x00garbage' * 20, r'cannot decode image'),
])
def test_bad_image_names_file_and_frame(tmp_path, damage, problem):
    path, _ = _jpeg(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ImageReadError,
                       match=rf'000003\.jpg: {problem}.*\(frame 3 of video '
                       r'TOY-02\)'):
        LoadImageFromFile().transform(_frame(path))
    assert LoadImageFromFile(ignore_empty=True).transform(
        _frame(path)) is None


def test_missing_image(tmp_path):
    with pytest.raises(ImageReadError,
                       match=r'nope\.jpg: file not found \(frame 3 of video '
                       r'TOY-02\)'):
        LoadImageFromFile().transform(_frame(tmp_path / 'nope.jpg'))


def test_byte_checks():
    assert image_bytes_problem(b'\xff\xd8' + b'x' * 10 + b'\xff\xd9') is None
    # trailing bytes after the end marker are tolerated
    assert image_bytes_problem(b'\xff\xd8x\xff\xd9' + b'\0' * 100) is None
    assert image_bytes_problem(b'\x89PNG....') is None  # not a JPEG
