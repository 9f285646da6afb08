"""Tests of the MOTChallenge results and det.txt writers and track
interpolation."""
import os

import numpy as np
import pytest

from qdtrack.datasets.mot_files import read_mot_det, read_mot_results
from qdtrack.evaluation.writers import (
    interpolate_tracks,
    write_mot_det,
    write_mot_results,
)
from qdtrack.utils.io import atomic_write_text


def test_write_exact_lines_sorted(tmp_path):
    rows = [[2, 1, 10.5, 20, 30, 40, 0.9],
            [1, 3, 1.25, 2, 3, 4, 0.5],
            [1, 2, 0.1, 0.2, 0.3, 0.4, 1.0]]
    path = tmp_path / 'out' / 'SEQ.txt'
    write_mot_results(str(path), rows)
    assert path.read_text() == ('1,2,0.1,0.2,0.3,0.4,1.0,-1,-1,-1\n'
                                '1,3,1.25,2.0,3.0,4.0,0.5,-1,-1,-1\n'
                                '2,1,10.5,20.0,30.0,40.0,0.9,-1,-1,-1\n')
    write_mot_results(str(path), rows, decimals=2)
    assert path.read_text().splitlines()[1] == \
        '1,3,1.25,2.00,3.00,4.00,0.50,-1,-1,-1'


def test_write_read_round_trip_is_exact(tmp_path):
    rng = np.random.default_rng(3)
    n = 500
    frames = rng.integers(1, 60, n)
    ids = rng.permutation(n)  # unique, so no (frame, id) twice
    boxes = rng.uniform(-50, 900, (n, 2))
    sizes = rng.uniform(0.5, 300, (n, 2)).astype(np.float32)  # float32 too
    scores = rng.uniform(0, 1, n)
    rows = np.column_stack([frames, ids, boxes, sizes, scores])
    path = str(tmp_path / 'r.txt')
    write_mot_results(path, rows)
    back = read_mot_results(path)
    order = np.lexsort((rows[:, 1], rows[:, 0]))
    np.testing.assert_array_equal(back[:, :7], rows[order])
    np.testing.assert_array_equal(back[:, 7:], -1)


def test_world_coordinates_are_not_written(tmp_path):
    rows = np.array([[1, 1, 1, 2, 3, 4, 0.5, 7.5, 8.5, 9.5]])
    path = tmp_path / 'w.txt'
    write_mot_results(str(path), rows)
    assert path.read_text() == '1,1,1.0,2.0,3.0,4.0,0.5,-1,-1,-1\n'


def test_write_empty(tmp_path):
    path = tmp_path / 'empty.txt'
    write_mot_results(str(path), np.zeros((0, 7)))
    assert path.read_text() == ''
    write_mot_results(str(path), [])
    assert path.read_text() == ''
    assert read_mot_results(str(path)).shape == (0, 10)


@pytest.mark.parametrize('rows, message', [
    (np.zeros((2, 6)), r'shape \(N, 7\) or \(N, 10\), got \(2, 6\)'),
    ([[1, 1, 0, 0, 5, 5, 1], [1, 2, np.nan, 0, 5, 5, 1]],
     r'rows\[1\]: NaN or infinite value'),
    ([[0, 1, 0, 0, 5, 5, 1]], r'rows\[0\]: frame must be an integer >= 1'),
    ([[1.5, 1, 0, 0, 5, 5, 1]], r'rows\[0\]: frame must be an integer'),
    ([[1, -1, 0, 0, 5, 5, 1]], r'rows\[0\]: track id must be an integer'),
    ([[1, 1, 0, 0, 0, 5, 1]], r'rows\[0\]: box width and height must be'),
    ([[1, 1, 0, 0, 5, 5, 1], [2, 1, 0, 0, 5, 5, 1], [1, 1, 3, 3, 5, 5, 1]],
     r'rows\[2\]: track id 1 appears twice in frame 1 \(also rows\[0\]\)'),
])
def test_write_rejects_bad_rows(tmp_path, rows, message):
    path = tmp_path / 'bad.txt'
    path.write_text('old content\n')
    with pytest.raises(ValueError, match=message):
        write_mot_results(str(path), rows)
    assert path.read_text() == 'old content\n'  # untouched


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / 'SEQ.txt'
    path.write_text('old content\n')
    os.chmod(path, 0o640)

    def broken_replace(src, dst):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'replace', broken_replace)
    with pytest.raises(OSError, match='disk full'):
        write_mot_results(str(path), [[1, 1, 0, 0, 5, 5, 1]])
    assert path.read_text() == 'old content\n'
    assert os.listdir(tmp_path) == ['SEQ.txt']  # no temporary file left
    monkeypatch.undo()
    atomic_write_text(str(path), 'new\n')
    assert path.read_text() == 'new\n'
    assert os.stat(path).st_mode & 0o777 == 0o640  # permissions kept
    assert os.listdir(tmp_path) == ['SEQ.txt']


# ------------------------------------------------------------ interpolation


def test_interpolate_hand_computed():
    rows = np.array([
        [1, 1, 0, 0, 10, 10, 0.9],
        [4, 1, 30, 3, 13, 16, 0.6],  # 2 missing frames: filled
        [1, 2, 100, 0, 10, 10, 1.0],
        [5, 2, 100, 0, 10, 10, 1.0],  # 3 missing frames > max_gap: open
        [3, 3, 7, 7, 7, 7, 0.7],
    ])
    out = interpolate_tracks(rows, max_gap=2)
    expected = np.array([
        [1, 1, 0, 0, 10, 10, 0.9],
        [1, 2, 100, 0, 10, 10, 1.0],
        [2, 1, 10, 1, 11, 12, 0.8],
        [3, 1, 20, 2, 12, 14, 0.7],
        [3, 3, 7, 7, 7, 7, 0.7],
        [4, 1, 30, 3, 13, 16, 0.6],
        [5, 2, 100, 0, 10, 10, 1.0],
    ])
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    # with a larger max_gap track 2 is filled as well
    out = interpolate_tracks(rows, max_gap=3)
    assert len(out) == 10
    filled = out[out[:, 1] == 2]
    np.testing.assert_array_equal(filled[:, 0], [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(filled[:, 2:], np.tile(rows[2, 2:], (5, 1)))
    # max_gap=0 only sorts
    np.testing.assert_array_equal(
        interpolate_tracks(rows, max_gap=0),
        rows[np.lexsort((rows[:, 1], rows[:, 0]))])


def test_interpolate_ten_columns_and_empty():
    rows = np.array([[1, 5, 0, 0, 2, 2, 1, 3, 3, 3],
                     [3, 5, 2, 2, 2, 2, 1, 3, 3, 3]])
    out = interpolate_tracks(rows, max_gap=5)
    np.testing.assert_array_equal(
        out, [[1, 5, 0, 0, 2, 2, 1, 3, 3, 3],
              [2, 5, 1, 1, 2, 2, 1, -1, -1, -1],
              [3, 5, 2, 2, 2, 2, 1, 3, 3, 3]])
    assert interpolate_tracks(np.zeros((0, 7))).shape == (0, 7)
    with pytest.raises(ValueError, match='max_gap'):
        interpolate_tracks(rows, max_gap=-1)


def test_interpolate_matches_np_interp():
    """Property: equal to per-track np.interp at every filled frame."""
    rng = np.random.default_rng(7)
    chunks = []
    for track in range(6):
        frames = np.sort(rng.choice(np.arange(1, 80), 12, replace=False))
        values = rng.uniform(1, 50, (12, 5))
        chunks.append(np.column_stack([frames, np.full(12, track), values]))
    rows = np.concatenate(chunks)
    max_gap = 4
    out = interpolate_tracks(rows[rng.permutation(len(rows))], max_gap)
    expected = []
    for track in range(6):
        own = rows[rows[:, 1] == track]
        for a, b in zip(own[:-1], own[1:]):
            expected.append(a)
            if 1 <= b[0] - a[0] - 1 <= max_gap:
                for f in range(int(a[0]) + 1, int(b[0])):
                    vals = [np.interp(f, own[:, 0], own[:, c])
                            for c in range(2, 7)]
                    expected.append([f, track, *vals])
        expected.append(own[-1])
    expected = np.array(expected)
    expected = expected[np.lexsort((expected[:, 1], expected[:, 0]))]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-9)
    assert len(out) > len(rows)  # the case does fill gaps


def test_write_det_exact_lines_frame_order_kept(tmp_path):
    # two boxes of frame 1 keep their order (no id to sort by)
    rows = [[2, 10.5, 20, 30, 40, 0.9],
            [1, 1.25, 2, 3, 4, 0.5],
            [1, 0.1, 0.2, 0.3, 0.4, 1.0]]
    path = tmp_path / 'SEQ' / 'det' / 'det.txt'
    write_mot_det(str(path), rows)
    assert path.read_text() == ('1,-1,1.25,2.0,3.0,4.0,0.5,-1,-1,-1\n'
                                '1,-1,0.1,0.2,0.3,0.4,1.0,-1,-1,-1\n'
                                '2,-1,10.5,20.0,30.0,40.0,0.9,-1,-1,-1\n')
    back = read_mot_det(str(path))
    np.testing.assert_array_equal(back[:, [0, 2, 3, 4, 5, 6]],
                                  np.array(rows)[[1, 2, 0]])
    np.testing.assert_array_equal(back[:, [1, 7, 8, 9]], -1)
    write_mot_det(str(path), np.zeros((0, 6)))
    assert path.read_text() == ''


@pytest.mark.parametrize('rows, message', [
    ([[1, 0, 0, 1, 1]], r'shape \(N, 6\), got \(1, 5\)'),
    ([[0, 0, 0, 1, 1, 0.5]], 'frame must be an integer >= 1'),
    ([[1, 0, 0, 0, 1, 0.5]], 'width and height must be > 0'),
    ([[1, 0, 0, 1, 1, np.nan]], 'NaN or infinite'),
])
def test_write_det_rejects_bad_rows(tmp_path, rows, message):
    with pytest.raises(ValueError, match=message):
        write_mot_det(str(tmp_path / 'det.txt'), rows)
    assert not (tmp_path / 'det.txt').exists()
