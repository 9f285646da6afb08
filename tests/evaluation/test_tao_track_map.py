"""TAO results writer and Track mAP through TrackEval, on hand-made cases.

AP is COCO-style over 101 recall points; with one ground-truth track and a
false positive ranked first, precision is 1/2 at every recall: AP = 50.
"""
import json
import os

import numpy as np
import pytest
import torch

from qdtrack.datasets.tao import AnnotationError
from qdtrack.datasets.toy.export_tao import export_cocovid_as_tao
from qdtrack.evaluation.functional.tao_track_map import tao_track_map
from qdtrack.evaluation.writers.tao import (
    read_tao_results,
    renumber_tracks,
    tao_records_from_frame,
    write_tao_results,
)

A = [0.0, 0.0, 10.0, 10.0]
B = [50.0, 50.0, 10.0, 10.0]
FAR = [200.0, 200.0, 10.0, 10.0]
CATS = [dict(id=1, name='pedestrian'), dict(id=2, name='car'),
        dict(id=3, name='bicycle')]


def make_gt(videos):
    """CocoVID from ``[(name, frames, federated)]``; a frame is a list of
    ``(instance_id, category, box)``."""
    out = dict(categories=[dict(c) for c in CATS], videos=[], images=[],
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


def make_results(per_video):
    """Results from per-video frame lists of ``(track, cat, box, score)``."""
    out, img_id = [], 0
    for video_id, frames in enumerate(per_video, start=1):
        for boxes in frames:
            img_id += 1
            for tid, cat, box, score in boxes:
                out.append(dict(image_id=img_id, video_id=video_id,
                                category_id=cat, track_id=tid,
                                bbox=list(box), score=score))
    return out


# ----------------------------------------------------------------- writer
def test_records_from_frame():
    recs = tao_records_from_frame(
        4, 2, torch.tensor([[10., 20., 40., 60.], [0., 0., 5., 5.]]),
        np.array([0.9, 0.5]), np.array([1, 0]), np.array([3, -1]), [5, 9])
    assert recs == [dict(image_id=4, video_id=2, category_id=9, track_id=3,
                         bbox=[10.0, 20.0, 30.0, 40.0],
                         score=pytest.approx(0.9))]
    with pytest.raises(ValueError, match='differ in number'):
        tao_records_from_frame(1, 1, np.zeros((2, 4)), [1], [0, 0], [1, 2],
                               [1])
    with pytest.raises(ValueError, match='outside 0..0'):
        tao_records_from_frame(1, 1, np.zeros((1, 4)), [1], [1], [1], [1])


def test_write_renumbers_and_replaces_atomically(tmp_path):
    path = tmp_path / 'out' / 'results.json'
    path.parent.mkdir()
    path.write_text('old')
    recs = make_results([[[(5, 1, A, 0.9)], [(5, 1, A, 0.8), (0, 2, B, .7)]],
                         [[(5, 1, B, 0.6)]]])
    assert write_tao_results(recs, str(path)) == str(path)
    assert os.listdir(path.parent) == ['results.json']
    back = read_tao_results(str(path))
    assert [r['track_id'] for r in back] == [1, 1, 2, 3]
    assert [r['bbox'] for r in back] == [r['bbox'] for r in recs]
    write_tao_results(recs, str(path), renumber=False)
    assert [r['track_id'] for r in json.loads(path.read_text())] == [5, 5, 0,
                                                                     5]
    assert renumber_tracks(recs)[3]['track_id'] == 3
    assert recs[3]['track_id'] == 5  # input untouched


@pytest.mark.parametrize('change, message', [
    (dict(bbox=None), r'results\[1\]: bbox must be 4 finite numbers'),
    (dict(bbox=[0, 0, -1, 5]), 'negative size'),
    (dict(score=float('nan')), 'score must be a finite number'),
    (dict(track_id=1.5), 'track_id must be an integer'),
    (dict(track_id=5), 'track 5 has two boxes in image 1'),
    (dict(video_id=None), r'results\[1\] lacks video_id'),
])
def test_bad_records_are_named(tmp_path, change, message):
    recs = make_results([[[(5, 1, A, 0.9), (6, 1, B, 0.8)]]])
    recs[1].update(change)
    if change.get('video_id', 0) is None:
        del recs[1]['video_id']
    with pytest.raises(AnnotationError, match=message):
        write_tao_results(recs, str(tmp_path / 'r.json'))
    assert not (tmp_path / 'r.json').exists()


def test_read_checks_against_ground_truth(tmp_path):
    path = str(tmp_path / 'r.json')
    write_tao_results(make_results([[[(1, 1, A, 0.9)]]]), path)
    with pytest.raises(AnnotationError, match='image_id 1 is not in'):
        read_tao_results(path, {2: 1})
    with pytest.raises(AnnotationError, match='differs from the video 3'):
        read_tao_results(path, {1: 3})
    missing = tmp_path / 'missing.json'
    with pytest.raises(FileNotFoundError, match='missing.json'):
        read_tao_results(str(missing))


# ---------------------------------------------------------------- TrackMAP
def test_perfect_tracker(capsys):
    gt = make_gt([('v1', [[(1, 1, A), (2, 2, B)]] * 3, {}),
                  ('v2', [[(3, 1, B)], []], {})])
    res = make_results([[[(1, 1, A, .9), (2, 2, B, .8)]] * 3,
                        [[(1, 1, B, .7)], []]])
    out = tao_track_map(gt, res)
    assert out['AP'] == pytest.approx(100.0)
    assert out['AP50'] == pytest.approx(100.0)
    assert out['AP75'] == pytest.approx(100.0)
    assert out['AR'] == pytest.approx(100.0)
    assert out['AP_area_s'] == pytest.approx(100.0)
    assert np.isnan(out['AP_area_l'])  # no large track
    assert out['num_classes'] == 2
    assert set(out['per_class']) == {'pedestrian', 'car'}
    assert capsys.readouterr().out == ''  # quiet unless verbose


def test_false_positive_ranked_first_halves_ap():
    gt = make_gt([('v1', [[(1, 1, A)]] * 2, {})])
    res = make_results([[[(1, 1, FAR, 0.9), (2, 1, A, 0.8)]] * 2])
    out = tao_track_map(gt, res)
    assert out['AP50'] == pytest.approx(50.0)
    assert out['AP'] == pytest.approx(50.0)
    assert out['AR'] == pytest.approx(100.0)


def test_track_id_zero_is_not_a_free_match():
    # Track 0 matches pedestrian A; track 7 duplicates it (an FP); track 8
    # matches B. Precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1:
    # AP = (51 * 1 + 50 * 2/3) / 101. TrackEval alone reads track 0 as
    # "unmatched" and scores 100.
    gt = make_gt([('v1', [[(1, 1, A), (2, 1, B)]] * 4, {})])
    res = make_results([[[(0, 1, A, .9), (7, 1, A, .8), (8, 1, B, .7)]] * 4])
    out = tao_track_map(gt, res, area_ranges=False, time_ranges=False)
    assert out['AP50'] == pytest.approx(100 * (51 + 100 / 3) / 101)
    assert 'AP_area_s' not in out


def test_not_exhaustive_class_ignores_unmatched_tracks():
    frames = [[(1, 1, A)]] * 2
    preds = [[[(1, 1, FAR, 0.9), (2, 1, A, 0.8)]] * 2]
    nel = make_gt([('v1', frames, dict(not_exhaustive_category_ids=[1]))])
    assert tao_track_map(nel, make_results(preds))['AP50'] == pytest.approx(
        100.0)
    exh = make_gt([('v1', frames, dict(not_exhaustive_category_ids=[2]))])
    assert tao_track_map(exh, make_results(preds))['AP50'] == pytest.approx(
        50.0)


def test_negative_category_counts_false_positives():
    videos = [('v1', [[(1, 2, B)]] * 2, {}), ('v2', [[(2, 1, A)]] * 2, {})]
    preds = make_results([[[(1, 2, B, 0.8)]] * 2,
                          [[(1, 1, A, 0.8), (2, 2, FAR, 0.9)]] * 2])
    # car is neither present nor negative in v2: its track there is dropped
    assert tao_track_map(make_gt(videos), preds)['AP50'] == pytest.approx(
        100.0)
    videos[1] = ('v2', videos[1][1], dict(neg_category_ids=[2]))
    out = tao_track_map(make_gt(videos), preds)
    assert out['per_class']['car']['AP50'] == pytest.approx(50.0)
    assert out['per_class']['pedestrian']['AP50'] == pytest.approx(100.0)
    assert out['AP50'] == pytest.approx(75.0)


def test_runs_on_tao_export_and_files(tmp_path):
    gt = make_gt([('v1', [[(1, 1, A), (2, 2, B)], [], [(1, 1, A)]], {}),
                  ('v2', [[(3, 3, B)], [(3, 3, B), (4, 1, A)]], {})])
    res = make_results([
        [[(1, 1, A, .9), (2, 2, [50, 50, 10, 7], .8)], [(3, 3, FAR, .95)],
         [(1, 1, [1, 0, 10, 10], .9)]],
        [[(1, 3, B, .6)], [(1, 3, B, .6), (2, 1, A, .5), (3, 2, FAR, .9)]],
    ])
    tao = export_cocovid_as_tao(gt, str(tmp_path / 'gt.json'))
    assert tao['videos'][1]['neg_category_ids'] == [2]
    write_tao_results(res, str(tmp_path / 'res.json'))
    from_files = tao_track_map(str(tmp_path / 'gt.json'),
                               str(tmp_path / 'res.json'))
    from_dicts = tao_track_map(tao, res)
    assert from_files['AP'] == pytest.approx(from_dicts['AP'])
    # without the exported federated lists the unmatched FAR tracks of
    # absent classes are dropped, so the score is higher
    assert tao_track_map(gt, res)['AP'] > from_files['AP']
    # car: the v2 FAR car (negative there, score .9) outranks the true car
    # track (IoU 0.7, below 0.75): AP50 50, AP75 0
    assert from_dicts['per_class']['car']['AP50'] == pytest.approx(50.0)
    assert from_dicts['per_class']['car']['AP75'] == pytest.approx(0.0)
    # the v1 FAR bicycle: bicycle is negative in v1, so it is an FP
    assert from_dicts['per_class']['bicycle']['AP50'] == pytest.approx(50.0)


def test_empty_ground_truth_is_an_error():
    gt = make_gt([('v1', [[]], {})])
    with pytest.raises(ValueError, match='no annotations'):
        tao_track_map(gt, [])
