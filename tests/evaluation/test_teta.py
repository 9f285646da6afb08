"""TETA on hand-computed cases and the properties its definition promises.

Default thresholds: LocA / AssocA over alpha = 0.00, 0.05, ..., 0.95 (20),
ClsA over alpha >= 0.5 (10).
"""
import copy
import json

import numpy as np
import pytest

from qdtrack.datasets.tao import AnnotationError
from qdtrack.datasets.toy.export_tao import export_cocovid_as_tao
from qdtrack.evaluation.functional.teta import (
    DEFAULT_ALPHAS,
    box_iou_xywh,
    teta,
)
from qdtrack.evaluation.writers.tao import write_tao_results

A = [0.0, 0.0, 10.0, 10.0]
B = [50.0, 50.0, 10.0, 10.0]
FAR = [200.0, 200.0, 10.0, 10.0]
CATS = [dict(id=1, name='pedestrian'), dict(id=2, name='car'),
        dict(id=3, name='bicycle')]


def make_gt(videos):
    """CocoVID from ``[(name, frames, federated)]``.

    ``frames`` is a list (one per frame) of ``(instance_id, category, box)``;
    ``federated`` the optional neg / not-exhaustive lists of the video.
    """
    out = dict(categories=copy.deepcopy(CATS), videos=[], images=[],
               annotations=[])
    for v, (name, frames, federated) in enumerate(videos, start=1):
        out['videos'].append(dict(id=v, name=name, **federated))
        for t, boxes in enumerate(frames):
            img_id = len(out['images']) + 1
            out['images'].append(dict(id=img_id, video_id=v, frame_id=t,
                                      file_name=f'{name}/{t:06d}.jpg',
                                      width=320, height=240))
            for iid, cat, box in boxes:
                out['annotations'].append(dict(
                    id=len(out['annotations']) + 1, image_id=img_id,
                    category_id=cat, instance_id=iid, bbox=list(box)))
    return out


def make_results(per_video, score=0.9):
    """TAO results from per-video frame lists of ``(track, category, box)``
    (image and video ids numbered as in :func:`make_gt`)."""
    out, img_id = [], 0
    for video_id, frames in enumerate(per_video, start=1):
        for boxes in frames:
            img_id += 1
            for tid, cat, box in boxes:
                out.append(dict(image_id=img_id, video_id=video_id,
                                category_id=cat, track_id=tid,
                                bbox=list(box), score=score))
    return out


def scores(res):
    return [round(res[k], 6) for k in ('TETA', 'LocA', 'AssocA', 'ClsA')]


def two_pedestrians(frames=4):
    return make_gt([('v1', [[(1, 1, A), (2, 1, B)]] * frames, {})])


def test_default_thresholds():
    assert len(DEFAULT_ALPHAS) == 20
    assert DEFAULT_ALPHAS[0] == 0.0 and DEFAULT_ALPHAS[-1] == 0.95
    assert sum(a >= 0.5 for a in DEFAULT_ALPHAS) == 10


def test_box_iou_xywh():
    iou = box_iou_xywh(np.array([A, [0, 0, 0, 5]]),
                       np.array([[0, 0, 10, 6.2], [5, 0, 10, 10], B]))
    np.testing.assert_allclose(
        iou, [[0.62, 50 / 150, 0], [0, 0, 0]], atol=1e-12)
    assert box_iou_xywh(np.zeros((0, 4)), np.array([A])).shape == (0, 1)


def test_perfect_tracker_scores_100_everywhere():
    gt = make_gt([
        ('v1', [[(1, 1, A), (2, 2, B)], [], [(1, 1, A)]],
         dict(neg_category_ids=[3], not_exhaustive_category_ids=[2])),
        ('v2', [[(3, 3, B)], [(3, 3, B)]], {}),
    ])
    res = make_results([[[(5, 1, A), (6, 2, B)], [], [(5, 1, A)]],
                        [[(5, 3, B)], [(5, 3, B)]]])
    out = teta(gt, res, progress=False)
    for key in ('TETA', 'LocA', 'AssocA', 'ClsA', 'LocRe', 'LocPr',
                'AssocRe', 'AssocPr', 'ClsRe', 'ClsPr'):
        assert out[key] == pytest.approx(100.0), key
    assert out['num_classes'] == 3
    assert set(out['per_class']) == {'pedestrian', 'car', 'bicycle'}
    assert out['curves']['TETA'] == pytest.approx([100.0] * 20)


def test_swapped_ids_lower_assoca_only():
    res = make_results([[[(1, 1, A), (2, 1, B)]] * 2 +
                        [[(2, 1, A), (1, 1, B)]] * 2])
    out = teta(two_pedestrians(), res, progress=False)
    # every pair (gt, track) shares 2 of 4 + 4 boxes: 2 / (4 + 4 - 2) = 1/3
    assert scores(out) == pytest.approx([(100 + 100 / 3 + 100) / 3, 100,
                                         100 / 3, 100])
    assert out['AssocRe'] == pytest.approx(50.0)
    assert out['AssocPr'] == pytest.approx(50.0)


def test_wrong_class_lowers_clsa_only():
    gt = make_gt([('v1', [[(1, 1, A), (2, 2, B)]] * 4, {})])
    res = make_results([[[(1, 1, A), (2, 1, B)]] * 4])
    out = teta(gt, res, progress=False)
    # pedestrian: 4 TPC, 4 FPC (the car predicted as pedestrian) -> 0.5
    # car: 4 FNC -> 0
    assert out['per_class']['pedestrian']['ClsA'] == pytest.approx(50.0)
    assert out['per_class']['car']['ClsA'] == pytest.approx(0.0)
    assert scores(out) == pytest.approx([75.0, 100.0, 100.0, 25.0])
    assert out['per_class']['pedestrian']['ClsPr'] == pytest.approx(50.0)
    assert out['per_class']['pedestrian']['ClsRe'] == pytest.approx(100.0)


def test_shifted_boxes_lower_loca():
    # IoU 0.62: matched at the 13 thresholds 0.00 .. 0.60, missed above,
    # where each box is an FN and its prediction (IoU >= 0.5) an FP.
    short = [(1, 1, [0, 0, 10, 6.2]), (2, 1, [50, 50, 10, 6.2])]
    out = teta(two_pedestrians(), make_results([[short] * 4]),
               progress=False)
    assert scores(out) == pytest.approx([(65 + 65 + 30) / 3, 65, 65, 30])
    assert out['curves']['LocA'] == pytest.approx([100.0] * 13 + [0.0] * 7)
    assert out['LocRe'] == pytest.approx(65.0)


def test_custom_thresholds():
    short = [(1, 1, [0, 0, 10, 6.2]), (2, 1, [50, 50, 10, 6.2])]
    out = teta(two_pedestrians(), make_results([[short] * 4]),
               alphas=[0.5, 0.75], progress=False)
    assert scores(out) == pytest.approx([(50 + 50 + 50) / 3, 50, 50, 50])
    with pytest.raises(ValueError, match='cls_min_alpha'):
        teta(two_pedestrians(), [], alphas=[0.3], progress=False)


def test_duplicate_inside_cluster_is_a_localisation_fp():
    gt = make_gt([('v1', [[(1, 1, A)]], {})])
    res = make_results([[[(1, 1, A), (2, 1, [0, 0, 10, 6.2])]]])
    out = teta(gt, res, progress=False)
    assert scores(out) == pytest.approx([(50 + 100 + 100) / 3, 50, 100,
                                         100])
    assert out['LocPr'] == pytest.approx(50.0)
    assert out['LocRe'] == pytest.approx(100.0)
    # TAO keeps the 300 best boxes per image: with 1, the duplicate goes
    lone = teta(gt, res, max_dets_per_image=1, progress=False)
    assert scores(lone) == pytest.approx([100.0] * 4)


def test_missed_object_is_a_false_negative():
    res = make_results([[[(1, 1, A)]] * 4])
    out = teta(two_pedestrians(), res, progress=False)
    assert scores(out) == pytest.approx([(50 + 100 + 100) / 3, 50, 100,
                                         100])


def test_track_drifting_away_costs_association_not_localisation():
    gt = make_gt([('v1', [[(1, 1, A)]] * 2 + [[]] * 2, {})])
    res = make_results([[[(1, 1, A)]] * 2 + [[(1, 1, FAR)]] * 2])
    # By default, as the authors' code, frames without labels (and the
    # boxes there) are dropped
    assert scores(teta(gt, res, progress=False)) == pytest.approx([100.0] *
                                                                   4)
    out = teta(gt, res, skip_empty_frames=False, progress=False)
    # 2 TPA, 2 FPA (the far boxes), 0 FNA -> 2 / 4; no LocA false positive
    assert scores(out) == pytest.approx([(100 + 50 + 100) / 3, 100, 50,
                                         100])


def test_far_predictions_are_ignored_in_tao_protocol():
    gt = make_gt([
        ('v1', [[(1, 1, A)]] * 2, dict(not_exhaustive_category_ids=[1])),
        ('v2', [[(2, 1, A), (3, 2, B)]] * 2,
         dict(neg_category_ids=[3])),
    ])
    perfect = [[[(1, 1, A)]] * 2, [[(2, 1, A), (3, 2, B)]] * 2]
    noisy = copy.deepcopy(perfect)
    noisy[0][0] = noisy[0][0] + [(9, 1, FAR)]  # not-exhaustive class
    noisy[1][0] = noisy[1][0] + [(9, 1, FAR), (8, 3, FAR)]  # exh. / neg.
    base = scores(teta(gt, make_results(perfect), progress=False))
    assert base == pytest.approx([100.0] * 4)
    out = teta(gt, make_results(noisy), progress=False)
    assert scores(out) == pytest.approx(base)


def test_exhaustive_extension_honours_federated_lists():
    gt = make_gt([
        ('v1', [[(1, 1, A)]] * 2, dict(not_exhaustive_category_ids=[1])),
        ('v2', [[(2, 1, A), (3, 2, B)]] * 2, dict(neg_category_ids=[3])),
        ('v3', [[(4, 3, A)]], {}),
    ])
    perfect = [[[(1, 1, A)]] * 2, [[(2, 1, A), (3, 2, B)]] * 2,
               [[(4, 3, A)]]]

    def with_far(video, frame, extra):
        res = copy.deepcopy(perfect)
        res[video][frame] = res[video][frame] + extra
        return make_results(res)

    def cls_a(res):
        return teta(gt, res, exhaustive=True, progress=False)['per_class']

    assert cls_a(make_results(perfect))['pedestrian']['ClsA'] == 100.0
    # pedestrian is not exhaustive in v1: a far pedestrian costs nothing
    assert cls_a(with_far(0, 0, [(9, 1, FAR)]))['pedestrian'][
        'ClsA'] == pytest.approx(100.0)
    # ... but in v2 it is a false positive: 4 TPC / (4 + 1)
    assert cls_a(with_far(1, 0, [(9, 1, FAR)]))['pedestrian'][
        'ClsA'] == pytest.approx(80.0)
    # bicycle is negative in v2: 1 TPC / (1 + 1)
    out = cls_a(with_far(1, 1, [(8, 3, FAR)]))
    assert out['bicycle']['ClsA'] == pytest.approx(50.0)
    # v3 has no lists: every class is exhaustive there
    out = cls_a(with_far(2, 0, [(8, 2, FAR)]))
    assert out['car']['ClsA'] == pytest.approx(200 / 3)
    # the LocA / AssocA parts never see far predictions
    assert out['car']['LocA'] == pytest.approx(100.0)


def test_prediction_in_two_clusters_goes_to_its_class_agnostic_match():
    # A pedestrian box P and a car box A overlap (IoU 0.62). Track 1,
    # labelled pedestrian, sits on the car; track 2 on the pedestrian. Track
    # 1 is inside both clusters, but the class-agnostic matching gives it to
    # the car, so it is no localisation FP of the pedestrian.
    ped = [0, 0, 10, 6.2]
    gt = make_gt([('v1', [[(1, 1, ped), (2, 2, A)]], {})])
    res = make_results([[[(1, 1, A), (2, 1, ped)]]])
    out = teta(gt, res, progress=False)['per_class']
    assert out['pedestrian']['LocA'] == pytest.approx(100.0)
    assert out['car']['LocA'] == pytest.approx(100.0)
    # the car is matched by a "pedestrian": car FNC, pedestrian FPC
    assert out['car']['ClsA'] == pytest.approx(0.0)
    assert out['pedestrian']['ClsA'] == pytest.approx(50.0)


def test_merged_categories_are_resolved():
    gt = two_pedestrians(2)
    gt['categories'][0]['merged'] = [dict(id=7, name='person')]
    res = make_results([[[(1, 7, A), (2, 1, B)]] * 2])
    assert scores(teta(gt, res, progress=False)) == pytest.approx([100.0] *
                                                                   4)


def test_bad_results_are_named():
    gt = two_pedestrians(1)
    bad = make_results([[[(1, 1, A)]]])
    bad[0]['image_id'] = 99
    with pytest.raises(AnnotationError, match=r'results\[0\].*image_id 99'):
        teta(gt, bad, progress=False)
    dup = make_results([[[(1, 1, A), (1, 1, B)]]])
    with pytest.raises(AnnotationError, match='two boxes in image 1'):
        teta(gt, dup, progress=False)


def test_runs_on_tao_export_and_files(tmp_path):
    gt = make_gt([
        ('v1', [[(1, 1, A), (2, 2, B)], [], [(1, 1, A), (2, 2, B)]], {}),
        ('v2', [[(3, 3, B)], [(3, 3, B), (4, 1, A)]], {}),
    ])
    res = make_results([
        [[(1, 1, A), (2, 2, [50, 50, 10, 8])], [(1, 1, FAR)],
         [(2, 1, A), (1, 2, B)]],
        [[(1, 3, B), (3, 2, FAR)], [(1, 3, B), (2, 2, [1, 1, 10, 10])]],
    ])
    tao = export_cocovid_as_tao(gt, str(tmp_path / 'gt_tao.json'))
    # the automatic federated lists: absent categories are negative, the
    # rarest category of v1 is not exhaustive
    assert tao['videos'][0]['neg_category_ids'] == [3]
    assert tao['videos'][1]['neg_category_ids'] == [2]
    assert tao['videos'][0]['not_exhaustive_category_ids'] == [1]
    results_file = write_tao_results(res, str(tmp_path / 'res.json'))
    from_files = teta(str(tmp_path / 'gt_tao.json'), results_file,
                      progress=False)
    from_dicts = teta(gt, res, progress=False)
    assert scores(from_files) == pytest.approx(scores(from_dicts))
    assert 0 < from_dicts['TETA'] < 100
    with open(results_file) as f:
        assert len(json.load(f)) == len(res)
    # the exhaustive extension sees the exported federated lists: the far
    # car of v2 is a car false positive (car is negative there)
    exh = teta(str(tmp_path / 'gt_tao.json'), results_file, exhaustive=True,
               progress=False)
    assert exh['per_class']['car']['ClsA'] < from_files['per_class']['car'][
        'ClsA']
