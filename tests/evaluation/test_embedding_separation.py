"""embedding_separation: cosines and rank-1 links against hand values."""
import numpy as np
import pytest

from qdtrack.evaluation.functional.embedding_separation import (
    EmbeddedFrame,
    embedding_separation,
    match_ids,
)


def _gt(rows):
    """Rows ``frame, id, x, y, w, h`` plus consider, class, visibility."""
    return np.array([r + [1, 1, 1.0] for r in rows], dtype=np.float64)


def _xyxy(x, y, w, h):
    return [x, y, x + w, y + h]


def test_match_ids_needs_iou_half():
    gt = _gt([[1, 7, 0, 0, 10, 20], [1, 9, 50, 0, 10, 20]])
    boxes = np.array([
        _xyxy(1, 0, 10, 20),     # IoU 9/11 with id 7
        _xyxy(50, 12, 10, 20),   # IoU 8/32 with id 9: too small
        _xyxy(100, 0, 10, 20),   # nothing there
    ], dtype=np.float64)
    np.testing.assert_array_equal(match_ids(boxes, gt), [7, -1, -1])
    np.testing.assert_array_equal(match_ids(boxes, gt, iou_thr=0.2),
                                  [7, 9, -1])
    assert match_ids(np.zeros((0, 4)), gt).shape == (0, )


def test_hand_computed_summary():
    # two objects: 1 (20 px tall) and 2 (70 px tall), frames 1, 2 and 4
    gt = {'A': _gt([[1, 1, 0, 0, 10, 20], [1, 2, 40, 0, 20, 70],
                    [2, 1, 0, 0, 10, 20], [2, 2, 40, 0, 20, 70],
                    [4, 1, 0, 0, 10, 20], [4, 2, 40, 0, 20, 70]]),
          'B': _gt([[3, 1, 0, 0, 10, 20]])}
    one, two, fp = _xyxy(0, 0, 10, 20), _xyxy(40, 0, 20, 70), \
        _xyxy(200, 0, 10, 20)
    frames = [
        # frame 1: objects orthogonal; the unmatched box is ignored
        EmbeddedFrame('A', 1, np.array([one, two, fp]),
                      np.array([[2.0, 0], [0, 3], [1, 1]])),
        # frame 2: object 1 moved towards object 2's old embedding (cosine
        # 0.6 with itself, 0.8 with object 2: a miss); object 2 kept (1.0)
        EmbeddedFrame('A', 2, np.array([two, one]),
                      np.array([[0, 5.0], [0.6, 0.8]])),
        # frame 4 does not follow frame 2: no links, one negative pair
        EmbeddedFrame('A', 4, np.array([one, two]),
                      np.array([[1.0, 0], [1, 0]])),
        # another video's frame 3: not linked to A's frames
        EmbeddedFrame('B', 3, np.array([one]), np.array([[0, 1.0]])),
    ]
    out = embedding_separation(frames, gt)
    a = out['all']
    assert a['links'] == 2 and a['pairs'] == 3
    assert a['pos_mean'] == pytest.approx(0.8)   # (0.6 + 1.0) / 2
    assert a['neg_mean'] == pytest.approx(0.6)   # (0 + 0.8 + 1.0) / 3
    assert a['rank1'] == pytest.approx(0.5)
    small, medium, large = (out['by_height'][k]
                            for k in ('0-30', '30-60', '>=60'))
    assert small['links'] == 1 and small['pos_mean'] == pytest.approx(0.6)
    assert small['rank1'] == 0.0
    assert medium['links'] == 0 and medium['rank1'] is None
    assert large['links'] == 1 and large['rank1'] == 1.0
    assert out['boxes'] == 8 and out['matched'] == 7


def test_unknown_video_is_named():
    frame = EmbeddedFrame('C', 1, np.zeros((0, 4)), np.zeros((0, 2)))
    with pytest.raises(KeyError, match="'C'"):
        embedding_separation([frame], {'A': _gt([])})
