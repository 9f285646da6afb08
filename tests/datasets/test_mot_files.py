"""Tests of the MOTChallenge file readers and sequence checks."""
import os
import re

import cv2
import numpy as np
import pytest

from qdtrack.datasets import mot_files
from qdtrack.datasets.mot_files import (
    check_mot_sequence,
    list_mot_sequences,
    read_mot_det,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
)

SEQINFO = """[Sequence]
name=MOT17-TEST
imDir=img1
frameRate=30
seqLength=3
imWidth=16
imHeight=12
imExt=.jpg
"""

GT_TEXT = ('1,1,10,20,30,40,1,1,0.5\n'
           '1,2,5.5,6,7,8,0,7,1\n'
           '2,1,11,21,30,40,1,1,0.25\n')


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def _error(func, path, *args, **kwargs):
    """Call ``func`` expecting a ValueError; return its message."""
    with pytest.raises(ValueError) as info:
        func(path, *args, **kwargs)
    message = str(info.value)
    assert message.startswith(str(path)), message
    return message


# ----------------------------------------------------------------- seqinfo


def test_read_seqinfo_values(tmp_path):
    path = _write(tmp_path / 'S' / 'seqinfo.ini', SEQINFO)
    expected = dict(name='MOT17-TEST', imDir='img1', frameRate=30,
                    seqLength=3, imWidth=16, imHeight=12, imExt='.jpg')
    assert read_seqinfo(path) == expected
    # the sequence folder works as well
    assert read_seqinfo(str(tmp_path / 'S')) == expected


def test_read_seqinfo_errors(tmp_path):
    missing = tmp_path / 'nowhere' / 'seqinfo.ini'
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        read_seqinfo(str(missing))

    path = _write(tmp_path / 'a.ini', SEQINFO.replace('[Sequence]',
                                                      '[Other]'))
    assert 'no [Sequence] section' in _error(read_seqinfo, path)

    path = _write(tmp_path / 'b.ini', SEQINFO.replace('seqLength=3\n', ''))
    assert 'no "seqLength" key' in _error(read_seqinfo, path)

    path = _write(tmp_path / 'c.ini', SEQINFO.replace('imWidth=16',
                                                      'imWidth=16px'))
    assert 'imWidth = "16px" is not an integer' in _error(read_seqinfo, path)

    path = _write(tmp_path / 'd.ini', SEQINFO.replace('seqLength=3',
                                                      'seqLength=0'))
    assert 'empty sequence' in _error(read_seqinfo, path)

    path = _write(tmp_path / 'e.ini', 'name=no section header\n')
    assert 'cannot parse' in _error(read_seqinfo, path)


# ----------------------------------------------------------------- tables


def test_read_mot_gt_values(tmp_path):
    path = _write(tmp_path / 'gt.txt', GT_TEXT)
    gt = read_mot_gt(path)
    assert gt.dtype == np.float64
    np.testing.assert_array_equal(
        gt, [[1, 1, 10, 20, 30, 40, 1, 1, 0.5], [1, 2, 5.5, 6, 7, 8, 0, 7, 1],
             [2, 1, 11, 21, 30, 40, 1, 1, 0.25]])


def test_empty_files_give_empty_arrays(tmp_path):
    empty = _write(tmp_path / 'empty.txt', '')
    blank = _write(tmp_path / 'blank.txt', '\n  \n')
    for path in (empty, blank):
        assert read_mot_gt(path).shape == (0, 9)
        assert read_mot_det(path).shape == (0, 10)
        assert read_mot_results(path).shape == (0, 10)


def test_blank_lines_are_skipped_and_counted(tmp_path):
    # a whitespace-only line forces the slow parse; values stay the same
    path = _write(tmp_path / 'gt.txt', '\n   \n' + GT_TEXT + '\n')
    np.testing.assert_array_equal(read_mot_gt(path),
                                  read_mot_gt(_write(tmp_path / 'g2.txt',
                                                     GT_TEXT)))
    # line numbers count blank lines (fast and slow path)
    bad = GT_TEXT.replace('1,2,5.5,6,7,8', '1,2,5.5,6,0,8')
    for prefix in ('\n', '\n  \n'):
        path = _write(tmp_path / 'bad.txt', prefix + bad)
        message = _error(read_mot_gt, path)
        line = 2 + len(prefix.splitlines())
        assert f'line {line}: box width must be > 0' in message


@pytest.mark.parametrize('text, line, problem', [
    # wrong column count (a MOT15 style 10-column line)
    ('1,1,1,1,5,5,1,1,1\n1,2,1,1,5,5,1,-1,-1,-1\n', 2,
     'expected 9 columns, got 10'),
    ('1,1,1,1,5,5,1,1,1,1\n', 1, 'expected 9 columns, got 10'),
    ('1,1,1,1,5,5,1,1\n', 1, 'expected 9 columns, got 8'),
    ('1,1,1,1,5,5,1,1,1\n1,2,abc,1,5,5,1,1,1\n', 2,
     'column 3 "abc" is not a number'),
    ('1,1,1,1,5,5,1,1,1\n1,2,,1,5,5,1,1,1\n', 2, 'column 3 is empty'),
    ('1,1,1,1,5,5,1,1,1\n1,2,nan,1,5,5,1,1,1\n', 2,
     'NaN or infinite value, got nan in column 3'),
    ('1,1,1,1,5,inf,1,1,1\n', 1, 'NaN or infinite value, got inf in column 6'),
    ('0,1,1,1,5,5,1,1,1\n', 1, 'frame must be an integer >= 1'),
    ('1.5,1,1,1,5,5,1,1,1\n', 1, 'frame must be an integer >= 1'),
    ('1,1,1,1,5,5,1,1,1\n2,-3,1,1,5,5,1,1,1\n', 2,
     'id must be an integer >= 0'),
    ('1,1,1,1,0,5,1,1,1\n', 1, 'box width must be > 0'),
    ('1,1,1,1,5,-2,1,1,1\n', 1, 'box height must be > 0'),
    ('1,1,1,1,5,5,2,1,1\n', 1, 'consider flag must be 0 or 1'),
    ('1,1,1,1,5,5,1,-1,1\n', 1, 'class must be an integer in 1..13'),
    ('1,1,1,1,5,5,1,14,1\n', 1, 'class must be an integer in 1..13'),
    ('1,1,1,1,5,5,1,1,1.5\n', 1, 'visibility must be in [0, 1]'),
    ('1,1,1,1,5,5,1,1,1\n1,2,1,1,5,5,1,1,1\n1,1,9,9,5,5,1,1,1\n', 3,
     'id 1 appears twice in frame 1 (first at line 1)'),
])
def test_read_mot_gt_errors(tmp_path, text, line, problem):
    path = _write(tmp_path / 'gt.txt', text)
    message = _error(read_mot_gt, path)
    assert f', line {line}: ' in message
    assert problem in message


def test_error_counts_more_bad_lines(tmp_path):
    path = _write(tmp_path / 'gt.txt', '1,1,1,1,0,5,1,1,1\n'
                  '2,1,1,1,0,5,1,1,1\n3,1,1,1,0,5,1,1,1\n')
    assert '(2 more line(s) with this problem)' in _error(read_mot_gt, path)


def test_max_frame(tmp_path):
    path = _write(tmp_path / 'gt.txt', GT_TEXT)
    assert len(read_mot_gt(path, max_frame=2)) == 3
    message = _error(read_mot_gt, path, max_frame=1)
    assert 'line 3: frame is beyond the sequence length 1' in message


def test_read_mot_det(tmp_path):
    path = _write(tmp_path / 'det.txt',
                  '1,-1,1.5,2,3,4,0.9,-1,-1,-1\n2,-1,5,6,7,8,-0.3,-1,-1,-1\n')
    np.testing.assert_array_equal(
        read_mot_det(path), [[1, -1, 1.5, 2, 3, 4, 0.9, -1, -1, -1],
                             [2, -1, 5, 6, 7, 8, -0.3, -1, -1, -1]])
    path = _write(tmp_path / 'det9.txt', '1,-1,1.5,2,3,4,0.9,-1,-1\n')
    assert 'line 1: expected 10 columns, got 9' in _error(read_mot_det, path)


def test_read_mot_results(tmp_path):
    path = _write(tmp_path / 'r10.txt',
                  '1,3,1.5,2,3,4,0.9,-1,-1,-1\n1,0,5,6,7,8,1,2.5,3,4\n')
    np.testing.assert_array_equal(
        read_mot_results(path), [[1, 3, 1.5, 2, 3, 4, 0.9, -1, -1, -1],
                                 [1, 0, 5, 6, 7, 8, 1, 2.5, 3, 4]])
    # 7 to 9 columns: the world coordinates are filled with -1
    path = _write(tmp_path / 'r7.txt', '2,3,1.5,2,3,4,0.9\n')
    np.testing.assert_array_equal(read_mot_results(path),
                                  [[2, 3, 1.5, 2, 3, 4, 0.9, -1, -1, -1]])
    path = _write(tmp_path / 'r8.txt', '2,3,1.5,2,3,4,0.9,7\n')
    np.testing.assert_array_equal(read_mot_results(path),
                                  [[2, 3, 1.5, 2, 3, 4, 0.9, 7, -1, -1]])
    path = _write(tmp_path / 'mixed.txt',
                  '1,3,1.5,2,3,4,0.9\n1,4,1,1,3,4,1,-1,-1,-1\n')
    assert 'line 2: 10 columns but line 1 has 7' in _error(
        read_mot_results, path)
    path = _write(tmp_path / 'r6.txt', '2,3,1.5,2,3,4\n')
    assert 'line 1: expected 7 to 10 columns, got 6' in _error(
        read_mot_results, path)
    path = _write(tmp_path / 'neg.txt', '2,-1,1.5,2,3,4,1\n')
    assert 'line 1: track id must be an integer >= 0' in _error(
        read_mot_results, path)
    path = _write(tmp_path / 'dup.txt',
                  '1,4,1,1,3,4,1\n2,4,1,1,3,4,1\n2,4,5,5,3,4,1\n')
    assert 'line 3: id 4 appears twice in frame 2 (first at line 2)' in \
        _error(read_mot_results, path)


def test_fast_path_for_valid_files(tmp_path, monkeypatch):
    """Valid files never reach the slow per-line parser."""
    rng = np.random.default_rng(0)
    n = 20000
    rows = np.column_stack([
        np.repeat(np.arange(1, 201), 100), np.tile(np.arange(100), 200),
        rng.uniform(0, 1000, (n, 2)), rng.uniform(1, 100, (n, 2)),
        rng.uniform(0, 1, n), -np.ones((n, 3))
    ])
    path = tmp_path / 'big.txt'
    np.savetxt(path, rows, fmt='%.4f', delimiter=',')

    def fail(*args, **kwargs):
        raise AssertionError('slow parser used for a valid file')

    monkeypatch.setattr(mot_files, '_parse_lines', fail)
    out = read_mot_results(str(path))
    np.testing.assert_allclose(out, rows, atol=5e-5, rtol=0)


def test_missing_file(tmp_path):
    path = str(tmp_path / 'none.txt')
    for reader in (read_mot_gt, read_mot_det, read_mot_results):
        with pytest.raises(FileNotFoundError, match=re.escape(path)):
            reader(path)


# ----------------------------------------------------------------- layout


def _make_sequence(root, name, length=3, size=(16, 12), ext='.jpg'):
    seq = root / name
    (seq / 'img1').mkdir(parents=True)
    (seq / 'seqinfo.ini').write_text(
        SEQINFO.replace('MOT17-TEST', name).replace(
            'seqLength=3', f'seqLength={length}'))
    image = np.full((size[1], size[0], 3), 127, dtype=np.uint8)
    for i in range(1, length + 1):
        cv2.imwrite(str(seq / 'img1' / f'{i:06d}{ext}'), image)
    return seq


def test_list_mot_sequences(tmp_path):
    _make_sequence(tmp_path, 'MOT17-B')
    _make_sequence(tmp_path, 'MOT17-A')
    (tmp_path / '.hidden').mkdir()
    (tmp_path / 'notes.txt').write_text('not a sequence')
    assert list_mot_sequences(str(tmp_path)) == ['MOT17-A', 'MOT17-B']

    (tmp_path / 'MOT17-C').mkdir()
    with pytest.raises(ValueError) as info:
        list_mot_sequences(str(tmp_path))
    assert str(info.value) == (f'{tmp_path}: sequence folder(s) without '
                               'seqinfo.ini: MOT17-C')

    empty = tmp_path / 'empty_split'
    empty.mkdir()
    os.rmdir(tmp_path / 'MOT17-C')
    with pytest.raises(ValueError, match='empty split'):
        list_mot_sequences(str(empty))
    with pytest.raises(FileNotFoundError, match='split folder not found'):
        list_mot_sequences(str(tmp_path / 'missing'))


def test_check_mot_sequence_ok(tmp_path):
    seq = _make_sequence(tmp_path, 'MOT17-OK')
    info = check_mot_sequence(str(seq))
    assert info['name'] == 'MOT17-OK'
    assert (info['imWidth'], info['imHeight'], info['seqLength']) == (16, 12,
                                                                      3)


def test_check_mot_sequence_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='seqinfo.ini not found'):
        check_mot_sequence(str(tmp_path / 'nothing'))

    seq = _make_sequence(tmp_path, 'MISSING', length=8)
    for i in (2, 5):
        os.remove(seq / 'img1' / f'{i:06d}.jpg')
    with pytest.raises(ValueError) as info:
        check_mot_sequence(str(seq))
    assert str(info.value) == (
        f'{seq / "img1"}: 2 of 8 images missing (seqLength = 8 in '
        f'{seq / "seqinfo.ini"}): 000002.jpg, 000005.jpg')

    seq = _make_sequence(tmp_path, 'EMPTY', length=3)
    for name in os.listdir(seq / 'img1'):
        os.remove(seq / 'img1' / name)
    with pytest.raises(ValueError, match='empty sequence, no .jpg image'):
        check_mot_sequence(str(seq))

    seq = _make_sequence(tmp_path, 'CORRUPT')
    first = seq / 'img1' / '000001.jpg'
    first.write_bytes(b'this is not a jpeg')
    with pytest.raises(ValueError) as info:
        check_mot_sequence(str(seq))
    assert str(info.value) == (f'{first}: cannot read image (corrupt or not '
                               'an image file)')

    seq = _make_sequence(tmp_path, 'SIZE', size=(20, 12))
    with pytest.raises(ValueError, match='image is 20x12 but .* says 16x12'):
        check_mot_sequence(str(seq))

    seq = _make_sequence(tmp_path, 'NOIMDIR')
    for name in os.listdir(seq / 'img1'):
        os.remove(seq / 'img1' / name)
    os.rmdir(seq / 'img1')
    with pytest.raises(FileNotFoundError, match='image folder not found'):
        check_mot_sequence(str(seq))
