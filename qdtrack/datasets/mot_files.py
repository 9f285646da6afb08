"""Readers and checks for MOTChallenge (MOT16/17/20) files.

All readers validate what they read and raise an error that names the file,
the 1-based line number and the problem, so that a broken annotation or
results file is found before a long evaluation starts. Files are parsed with
:func:`numpy.loadtxt`; a slow line-by-line parse runs only when that fails,
to find the offending line (or to skip whitespace-only lines).

File formats (comma separated, frames and ids 1-based, boxes in pixels as
top-left corner plus width and height):

- ``gt/gt.txt``: 9 columns ``frame, id, x, y, w, h, consider, class,
  visibility``.
- ``det/det.txt``: 10 columns ``frame, -1, x, y, w, h, score, -1, -1, -1``.
- results ``<SEQ>.txt``: the columns of ``det.txt`` with the track id in
  column 2. The 3 trailing world-coordinate columns may be left out; they
  are filled with -1.

Blank lines are skipped everywhere; comments are not allowed.
"""
import configparser
import os
import os.path as osp
import warnings
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

#: Keys of the ``[Sequence]`` section of ``seqinfo.ini``.
SEQINFO_KEYS = ('name', 'imDir', 'frameRate', 'seqLength', 'imWidth',
                'imHeight', 'imExt')
#: Keys of ``seqinfo.ini`` holding positive integers.
SEQINFO_INT_KEYS = ('frameRate', 'seqLength', 'imWidth', 'imHeight')
#: MOT16/17/20 class ids (1 pedestrian ... 12 reflection, 13 crowd).
MOT_CLASS_IDS = tuple(range(1, 14))

GT_COLUMNS = 9
DET_COLUMNS = 10
RESULT_COLUMNS = 10
MIN_RESULT_COLUMNS = 7


def read_seqinfo(path: str) -> dict:
    """Read the ``[Sequence]`` section of a MOTChallenge ``seqinfo.ini``.

    Args:
        path (str): the ``seqinfo.ini`` file, or the sequence folder that
            holds it.

    Returns:
        dict: ``name``, ``imDir`` and ``imExt`` (str); ``frameRate``,
        ``seqLength``, ``imWidth`` and ``imHeight`` (int, all >= 1).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file cannot be parsed, has no ``[Sequence]``
            section, lacks a key, or holds a value that is not a positive
            integer where one is required. The message names the file.
    """
    path = os.fspath(path)
    if osp.isdir(path):
        path = osp.join(path, 'seqinfo.ini')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: seqinfo.ini not found')
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding='utf-8-sig') as f:  # BOM tolerated
            parser.read_file(f, source=path)
    except (configparser.Error, UnicodeDecodeError) as err:
        raise ValueError(f'{path}: cannot parse seqinfo.ini: '
                         f'{" ".join(str(err).split())}') from err
    if not parser.has_section('Sequence'):
        raise ValueError(f'{path}: no [Sequence] section')
    section = parser['Sequence']
    info = {}
    for key in SEQINFO_KEYS:
        if key not in section:  # option names are case-insensitive
            raise ValueError(f'{path}: [Sequence] has no "{key}" key')
        value = section[key].strip()
        if key in SEQINFO_INT_KEYS:
            try:
                number = int(value)
            except ValueError:
                raise ValueError(f'{path}: {key} = "{value}" is not an '
                                 'integer') from None
            if number < 1:
                hint = ' (empty sequence)' if key == 'seqLength' else ''
                raise ValueError(
                    f'{path}: {key} must be >= 1, got {number}{hint}')
            info[key] = number
        else:
            if not value:
                raise ValueError(f'{path}: {key} is empty')
            info[key] = value
    return info


def read_mot_gt(path: str, max_frame: Optional[int] = None) -> np.ndarray:
    """Read and validate a MOT16/17/20 ground-truth file (``gt.txt``).

    Checks: 9 numeric, finite columns on every line; frame an integer
    >= 1 (and <= ``max_frame`` when given); id an integer >= 0; width and
    height > 0; consider flag 0 or 1; class an integer in 1..13;
    visibility in [0, 1]; no id twice in one frame.

    Args:
        path (str): the file.
        max_frame (int, optional): the sequence length; frames above it
            are errors. Defaults to None (no upper bound).

    Returns:
        np.ndarray: (N, 9) float64 rows ``frame, id, x, y, w, h, consider,
        class, visibility`` in file order; (0, 9) for an empty file.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: a line breaks a rule; the message names the file, the
            line and the problem.
    """
    data, line_of = _load_table(path, GT_COLUMNS, GT_COLUMNS)
    checks = _frame_box_checks(data, max_frame) + [
        (_non_integer_or_below(data[:, 1], 0),
         'id must be an integer >= 0', 1),
        (~np.isin(data[:, 6], (0, 1)), 'consider flag must be 0 or 1', 6),
        (~np.isin(data[:, 7], MOT_CLASS_IDS),
         'class must be an integer in 1..13', 7),
        ((data[:, 8] < 0) | (data[:, 8] > 1),
         'visibility must be in [0, 1]', 8),
    ]
    _raise_first(path, data, line_of, checks)
    _check_unique_ids(path, data, line_of)
    return data


def read_mot_det(path: str, max_frame: Optional[int] = None) -> np.ndarray:
    """Read and validate a MOTChallenge detection file (``det.txt``).

    Checks: 10 numeric, finite columns on every line; frame an integer
    >= 1 (and <= ``max_frame`` when given); width and height > 0. The id
    column (-1 in public detections) is not checked.

    Args:
        path (str): the file.
        max_frame (int, optional): the sequence length. Defaults to None.

    Returns:
        np.ndarray: (N, 10) float64 rows ``frame, id, x, y, w, h, score,
        x3d, y3d, z3d`` in file order; (0, 10) for an empty file.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: a line breaks a rule; the message names the file, the
            line and the problem.
    """
    data, line_of = _load_table(path, DET_COLUMNS, DET_COLUMNS)
    _raise_first(path, data, line_of, _frame_box_checks(data, max_frame))
    return data


def read_public_detections(path: str, score_thr: float = -np.inf,
                           max_frame: Optional[int] = None) -> dict:
    """Boxes of a ``det.txt`` per frame, as trackers take them.

    Args:
        path (str): the ``det.txt`` file (see :func:`read_mot_det`).
        score_thr (float): rows scoring below are dropped. Defaults to
            -inf (keep all).
        max_frame (int, optional): the sequence length. Defaults to None.

    Returns:
        dict[int, np.ndarray]: 1-based frame number -> (K, 5) float32
        ``x1, y1, x2, y2, score`` in file order; frames without a row are
        absent.

    Raises:
        FileNotFoundError, ValueError: see :func:`read_mot_det`.
    """
    dets = read_mot_det(path, max_frame)
    dets = dets[dets[:, 6] >= score_thr]
    boxes = np.concatenate(
        [dets[:, 2:4], dets[:, 2:4] + dets[:, 4:6], dets[:, 6:7]],
        axis=1).astype(np.float32)
    frames = dets[:, 0].astype(np.int64)
    return {int(f): boxes[frames == f] for f in np.unique(frames)}


def read_mot_results(path: str,
                     max_frame: Optional[int] = None) -> np.ndarray:
    """Read and validate a MOTChallenge tracking results file.

    Lines have 7 to 10 columns (the same number on every line):
    ``frame, id, x, y, w, h, score[, x3d, y3d, z3d]``; missing world
    coordinates are returned as -1. Checks: numeric, finite values; frame
    an integer >= 1 (and <= ``max_frame`` when given); track id an integer
    >= 0; width and height > 0; no track id twice in one frame.

    Args:
        path (str): the file.
        max_frame (int, optional): the sequence length. Defaults to None.

    Returns:
        np.ndarray: (N, 10) float64 rows in file order; (0, 10) for an
        empty file.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: a line breaks a rule; the message names the file, the
            line and the problem.
    """
    data, line_of = _load_table(path, MIN_RESULT_COLUMNS, RESULT_COLUMNS)
    checks = _frame_box_checks(data, max_frame) + [
        (_non_integer_or_below(data[:, 1], 0),
         'track id must be an integer >= 0', 1),
    ]
    _raise_first(path, data, line_of, checks)
    _check_unique_ids(path, data, line_of)
    if data.shape[1] < RESULT_COLUMNS:
        pad = np.full((len(data), RESULT_COLUMNS - data.shape[1]), -1.0)
        data = np.concatenate([data, pad], axis=1)
    return data


def list_mot_sequences(split_root: str) -> list:
    """List the sequences of a MOTChallenge split folder.

    Args:
        split_root (str): a folder such as ``data/MOT17/train`` whose
            sub-folders are sequences, each with a ``seqinfo.ini``.
            Hidden folders (name starting with ``.``) and files are ignored.

    Returns:
        list[str]: the sequence folder names, sorted.

    Raises:
        FileNotFoundError: ``split_root`` is not a folder.
        ValueError: the split has no sequence folder, or a sequence folder
            has no ``seqinfo.ini`` (all such folders are named).
    """
    split_root = os.fspath(split_root)
    if not osp.isdir(split_root):
        raise FileNotFoundError(f'{split_root}: split folder not found')
    names = sorted(
        name for name in os.listdir(split_root)
        if not name.startswith('.') and osp.isdir(osp.join(split_root, name)))
    if not names:
        raise ValueError(f'{split_root}: empty split, no sequence folder')
    lacking = [name for name in names
               if not osp.isfile(osp.join(split_root, name, 'seqinfo.ini'))]
    if lacking:
        raise ValueError(f'{split_root}: sequence folder(s) without '
                         f'seqinfo.ini: {", ".join(lacking)}')
    return names


def check_mot_sequence(seq_dir: str) -> dict:
    """Check that the images of a MOTChallenge sequence are all there.

    Reads ``seq_dir/seqinfo.ini``, checks that ``imDir`` holds the images
    ``000001<imExt>`` ... ``<seqLength><imExt>``, that the first one can be
    decoded and that its size is ``imWidth`` x ``imHeight``.

    Args:
        seq_dir (str): the sequence folder.

    Returns:
        dict: the sequence information (see :func:`read_seqinfo`).

    Raises:
        FileNotFoundError: ``seqinfo.ini`` or the image folder is missing.
        ValueError: the sequence has no image, images are missing, the
            first image cannot be read or has the wrong size.
    """
    import cv2  # imported here: only this check needs OpenCV

    seq_dir = os.fspath(seq_dir)
    ini = osp.join(seq_dir, 'seqinfo.ini')
    info = read_seqinfo(ini)
    img_dir = osp.join(seq_dir, info['imDir'])
    if not osp.isdir(img_dir):
        raise FileNotFoundError(
            f'{img_dir}: image folder not found (imDir = {info["imDir"]} '
            f'in {ini})')
    ext = info['imExt']
    present = {name for name in os.listdir(img_dir) if name.endswith(ext)}
    length = info['seqLength']
    if not present:
        raise ValueError(f'{img_dir}: empty sequence, no {ext} image '
                         f'(seqLength = {length} in {ini})')
    expected = [f'{i:06d}{ext}' for i in range(1, length + 1)]
    missing = [name for name in expected if name not in present]
    if missing:
        shown = ', '.join(missing[:5]) + (', ...' if len(missing) > 5 else '')
        raise ValueError(f'{img_dir}: {len(missing)} of {length} images '
                         f'missing (seqLength = {length} in {ini}): {shown}')
    first = osp.join(img_dir, expected[0])
    image = cv2.imread(first, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f'{first}: cannot read image (corrupt or not an '
                         'image file)')
    height, width = image.shape[:2]
    if (width, height) != (info['imWidth'], info['imHeight']):
        raise ValueError(
            f'{first}: image is {width}x{height} but {ini} says '
            f'{info["imWidth"]}x{info["imHeight"]}')
    return info


# ---------------------------------------------------------------------------
# helpers

_Check = Tuple[np.ndarray, str, int]


def _load_table(path: str, min_cols: int,
                max_cols: int) -> Tuple[np.ndarray, Callable[[int], int]]:
    """Parse a comma-separated numeric table.

    Returns:
        tuple: (N, C) float64 array and a function mapping a row index to
        its 1-based line number in the file.
    """
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: file not found')
    line_numbers = None
    try:
        with warnings.catch_warnings():  # "input contained no data"
            warnings.simplefilter('ignore', UserWarning)
            data = np.loadtxt(path, delimiter=',', comments=None, ndmin=2,
                              dtype=np.float64, encoding='utf-8')
    except (ValueError, UnicodeDecodeError):
        data, line_numbers = _parse_lines(path, min_cols, max_cols)

    def line_of(row: int) -> int:
        nonlocal line_numbers
        if line_numbers is None:
            line_numbers = _nonblank_line_numbers(path)
        return int(line_numbers[row])

    if data.size == 0:
        return np.zeros((0, max_cols)), line_of
    if not min_cols <= data.shape[1] <= max_cols:
        raise ValueError(f'{path}, line {line_of(0)}: expected '
                         f'{_columns_text(min_cols, max_cols)}, got '
                         f'{data.shape[1]}')
    return data, line_of


def _parse_lines(path: str, min_cols: int,
                 max_cols: int) -> Tuple[np.ndarray, np.ndarray]:
    """Slow line-by-line parse that reports the first bad line."""
    try:
        with open(path, encoding='utf-8') as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError as err:
        raise ValueError(f'{path}: not a UTF-8 text file ({err})') from None
    rows, numbers = [], []
    ncols = first_line = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split(',')
        where = f'{path}, line {number}'
        if not min_cols <= len(fields) <= max_cols:
            raise ValueError(f'{where}: expected '
                             f'{_columns_text(min_cols, max_cols)}, got '
                             f'{len(fields)}')
        if ncols is None:
            ncols, first_line = len(fields), number
        elif len(fields) != ncols:
            raise ValueError(f'{where}: {len(fields)} columns but line '
                             f'{first_line} has {ncols}')
        values = []
        for col, field in enumerate(fields, start=1):
            if not field.strip():
                raise ValueError(f'{where}: column {col} is empty')
            try:
                values.append(float(field))
            except ValueError:
                raise ValueError(f'{where}: column {col} "{field.strip()}" '
                                 'is not a number') from None
        rows.append(values)
        numbers.append(number)
    if not rows:
        return np.zeros((0, max_cols)), np.zeros(0, dtype=np.int64)
    return np.asarray(rows, dtype=np.float64), np.asarray(numbers)


def _nonblank_line_numbers(path: str) -> np.ndarray:
    """1-based numbers of the lines of ``path`` that are not blank."""
    with open(path, encoding='utf-8') as f:
        return np.asarray([number for number, line in enumerate(f, start=1)
                           if line.strip()])


def _columns_text(min_cols: int, max_cols: int) -> str:
    if min_cols == max_cols:
        return f'{min_cols} columns'
    return f'{min_cols} to {max_cols} columns'


def _non_integer_or_below(values: np.ndarray, low: float) -> np.ndarray:
    return (values < low) | (values != np.floor(values))


def _frame_box_checks(data: np.ndarray,
                      max_frame: Optional[int]) -> list:
    """Checks shared by every MOT table: finite values, frame, box size."""
    checks = [
        (~np.isfinite(data).all(axis=1), 'NaN or infinite value', -1),
        (_non_integer_or_below(data[:, 0], 1),
         'frame must be an integer >= 1', 0),
    ]
    if max_frame is not None:
        checks.append((data[:, 0] > max_frame,
                       f'frame is beyond the sequence length {max_frame}', 0))
    checks += [
        (~(data[:, 4] > 0), 'box width must be > 0', 4),
        (~(data[:, 5] > 0), 'box height must be > 0', 5),
    ]
    return checks


def _raise_first(path: str, data: np.ndarray, line_of: Callable[[int], int],
                 checks: Sequence[_Check]) -> None:
    """Raise for the first failed check (in check order) of the table.

    Each check is ``(bad_rows_mask, problem, column)``; a column of -1
    means the offending column is found from non-finite values.
    """
    for bad, problem, col in checks:
        rows = np.flatnonzero(bad)
        if not len(rows):
            continue
        row = rows[0]
        if col < 0:
            col = int(np.flatnonzero(~np.isfinite(data[row]))[0])
        more = (f' ({len(rows) - 1} more line(s) with this problem)'
                if len(rows) > 1 else '')
        raise ValueError(f'{path}, line {line_of(row)}: {problem}, got '
                         f'{data[row, col]:g} in column {col + 1}{more}')


def _check_unique_ids(path: str, data: np.ndarray,
                      line_of: Callable[[int], int]) -> None:
    """Raise when an id appears twice in one frame."""
    if len(data) < 2:
        return
    order = np.lexsort((data[:, 1], data[:, 0]))  # stable: file order kept
    keys = data[order, :2]
    same = np.flatnonzero((keys[1:] == keys[:-1]).all(axis=1))
    if not len(same):
        return
    later = order[same + 1]
    pick = int(np.argmin(later))
    row = int(later[pick])
    # the first occurrence is the first row of the run of equal keys
    start = same[pick]
    while start > 0 and (keys[start - 1] == keys[start]).all():
        start -= 1
    first = int(order[start])
    raise ValueError(
        f'{path}, line {line_of(row)}: id {data[row, 1]:g} appears twice in '
        f'frame {data[row, 0]:g} (first at line {line_of(first)})')
