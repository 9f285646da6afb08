"""Tests of the MOTChallenge evaluation through TrackEval.

The main check runs real ground truth and real tracker output (TUD-Campus
and TUD-Stadtmitte, shipped inside the motmetrics package) through
:func:`evaluate_mot_challenge` and compares every value with (a) TrackEval
run directly on the same files in its standard folder layout and (b) the
numbers of py-motmetrics 1.4.0 (see ``reference_tud_motmetrics.md``).
"""
import contextlib
import importlib.util
import io
import os
import os.path as osp
import re
import shutil

import numpy as np
import pytest

from qdtrack.evaluation.functional.mot_challenge import (
    COMBINED,
    evaluate_mot_challenge,
    format_mot_table,
)

TUD_SEQS = {'TUD-Campus': 71, 'TUD-Stadtmitte': 179}  # seqLength
TUD_SIZE = (640, 480)

# py-motmetrics 1.4.0 on the same files; command and full output in
# tests/evaluation/reference_tud_motmetrics.md
MOTMETRICS_TUD = {
    'TUD-Campus': dict(
        idf1=0.557659208262, idp=0.72972972973, idr=0.451253481894,
        recall=0.58217270195, precision=0.941441441441,
        num_unique_objects=8, mostly_tracked=1, partially_tracked=6,
        mostly_lost=1, num_false_positives=13, num_misses=150,
        num_switches=7, num_fragmentations=7, mota=0.526462395543,
        motp=0.277201084639, num_objects=359),
    'TUD-Stadtmitte': dict(
        idf1=0.644619422572, idp=0.819759679573, idr=0.531141868512,
        recall=0.608996539792, precision=0.939919893191,
        num_unique_objects=10, mostly_tracked=5, partially_tracked=4,
        mostly_lost=1, num_false_positives=45, num_misses=452,
        num_switches=7, num_fragmentations=6, mota=0.56401384083,
        motp=0.345904295544, num_objects=1156),
    COMBINED: dict(
        idf1=0.624296057924, idp=0.799176107106, idr=0.512211221122,
        recall=0.602640264026, precision=0.940267765191,
        num_unique_objects=18, mostly_tracked=6, partially_tracked=10,
        mostly_lost=2, num_false_positives=58, num_misses=602,
        num_switches=14, num_fragmentations=13, mota=0.555115511551,
        motp=0.330177054494, num_objects=1515),
}

SEQINFO = ('[Sequence]\nname={name}\nimDir=img1\nframeRate=25\n'
           'seqLength={length}\nimWidth={width}\nimHeight={height}\n'
           'imExt=.jpg\n')


def _motmetrics_data():
    spec = importlib.util.find_spec('motmetrics')
    if spec is None or spec.origin is None:
        pytest.skip('motmetrics (test requirement) is not installed')
    return osp.join(osp.dirname(spec.origin), 'data')


def _write_seqinfo(seq_dir, name, length, size=TUD_SIZE):
    os.makedirs(seq_dir, exist_ok=True)
    with open(osp.join(seq_dir, 'seqinfo.ini'), 'w') as f:
        f.write(SEQINFO.format(name=name, length=length, width=size[0],
                               height=size[1]))


def _mot17_gt_from_mot15(src, dst):
    """Write a MOT17-form copy of a MOT15 ``gt.txt``.

    MOT15 rows are ``frame,id,x,y,w,h,conf,wx,wy,wz``; the copy keeps the
    first 6 fields as text and adds ``consider=1,class=1,visibility=1``.
    """
    out = []
    with open(src) as f:
        for line in f:
            fields = line.strip().split(',')
            assert len(fields) == 10 and float(fields[6]) == 1, line
            out.append(','.join(fields[:6]) + ',1,1,1\n')
    os.makedirs(osp.dirname(dst), exist_ok=True)
    with open(dst, 'w') as f:
        f.writelines(out)


@pytest.fixture(scope='module')
def tud(tmp_path_factory):
    """MOT17-form ground truth and the results files of the TUD sequences.

    Returns:
        dict: ``gt_root``, ``results_dir`` and the raw ``data`` folder.
    """
    data = _motmetrics_data()
    root = tmp_path_factory.mktemp('tud')
    gt_root, results_dir = root / 'train', root / 'results'
    results_dir.mkdir()
    for seq, length in TUD_SEQS.items():
        gt = np.loadtxt(osp.join(data, seq, 'gt.txt'), delimiter=',')
        res = np.loadtxt(osp.join(data, seq, 'test.txt'), delimiter=',')
        # the frame counts and the 640x480 size fit the files
        assert gt[:, 0].max() == length and gt[:, 0].min() == 1
        assert res[:, 0].max() <= length
        centres = gt[:, 2:4] + gt[:, 4:6] / 2
        assert (centres > 0).all() and (centres < TUD_SIZE).all()
        _write_seqinfo(gt_root / seq, seq, length)
        _mot17_gt_from_mot15(osp.join(data, seq, 'gt.txt'),
                             gt_root / seq / 'gt' / 'gt.txt')
        shutil.copyfile(osp.join(data, seq, 'test.txt'),
                        results_dir / f'{seq}.txt')
    return dict(gt_root=str(gt_root), results_dir=str(results_dir),
                data=data)


@pytest.fixture(scope='module')
def tud_results(tud):
    return evaluate_mot_challenge(tud['gt_root'], tud['results_dir'],
                                  progress=False)


def _trackeval_direct(gt_root, results_dir, seqs):
    """Reference: TrackEval in its standard layout, values as we report.

    Uses a ``MOT17-train`` split folder, a seqmap file and ``seqinfo.ini``
    files, none of which :func:`evaluate_mot_challenge` relies on.
    """
    import tempfile

    import trackeval

    with tempfile.TemporaryDirectory() as tmp:
        split_gt = osp.join(tmp, 'gt', 'MOT17-train')
        data_dir = osp.join(tmp, 'trackers', 'MOT17-train', 'ref', 'data')
        os.makedirs(data_dir)
        os.makedirs(osp.join(tmp, 'gt', 'seqmaps'))
        with open(osp.join(tmp, 'gt', 'seqmaps', 'MOT17-train.txt'),
                  'w') as f:
            f.write('name\n' + ''.join(f'{s}\n' for s in seqs))
        for seq in seqs:
            os.makedirs(osp.join(split_gt, seq, 'gt'))
            shutil.copyfile(osp.join(gt_root, seq, 'seqinfo.ini'),
                            osp.join(split_gt, seq, 'seqinfo.ini'))
            shutil.copyfile(osp.join(gt_root, seq, 'gt', 'gt.txt'),
                            osp.join(split_gt, seq, 'gt', 'gt.txt'))
            shutil.copyfile(osp.join(results_dir, f'{seq}.txt'),
                            osp.join(data_dir, f'{seq}.txt'))
        eval_cfg = trackeval.Evaluator.get_default_eval_config()
        eval_cfg.update(PRINT_RESULTS=False, PRINT_CONFIG=False,
                        TIME_PROGRESS=False, OUTPUT_SUMMARY=False,
                        OUTPUT_DETAILED=False, PLOT_CURVES=False,
                        LOG_ON_ERROR=None)
        ds_cfg = trackeval.datasets.MotChallenge2DBox.\
            get_default_dataset_config()
        ds_cfg.update(GT_FOLDER=osp.join(tmp, 'gt'),
                      TRACKERS_FOLDER=osp.join(tmp, 'trackers'),
                      BENCHMARK='MOT17', SPLIT_TO_EVAL='train',
                      PRINT_CONFIG=False)
        metrics = [trackeval.metrics.HOTA(),
                   trackeval.metrics.CLEAR({'PRINT_CONFIG': False}),
                   trackeval.metrics.Identity({'PRINT_CONFIG': False})]
        with contextlib.redirect_stdout(io.StringIO()):
            out, _ = trackeval.Evaluator(eval_cfg).evaluate(
                [trackeval.datasets.MotChallenge2DBox(ds_cfg)], metrics)
    raw = out['MotChallenge2DBox']['ref']
    ref = {}
    for key, res in raw.items():
        res = res['pedestrian']
        hota, clear, ident, count = (res['HOTA'], res['CLEAR'],
                                     res['Identity'], res['Count'])
        values = {k: 100 * np.mean(hota[k]) for k in (
            'HOTA', 'DetA', 'AssA', 'DetRe', 'DetPr', 'AssRe', 'AssPr',
            'LocA')}
        values.update(MOTA=100 * clear['MOTA'], MOTP=100 * clear['MOTP'],
                      Rcll=100 * clear['CLR_Re'], Prcn=100 * clear['CLR_Pr'],
                      TP=clear['CLR_TP'], FP=clear['CLR_FP'],
                      FN=clear['CLR_FN'], IDSW=clear['IDSW'],
                      Frag=clear['Frag'], MT=clear['MT'], PT=clear['PT'],
                      ML=clear['ML'])
        values.update({k: 100 * ident[k] for k in ('IDF1', 'IDP', 'IDR')})
        values.update({k: ident[k] for k in ('IDTP', 'IDFP', 'IDFN')})
        values.update({k: count[k]
                       for k in ('GT_IDs', 'IDs', 'GT_Dets', 'Dets')})
        ref[COMBINED if key == 'COMBINED_SEQ' else key] = values
    return ref


# -------------------------------------------------------------- real data


def test_tud_equals_trackeval_run_directly(tud, tud_results):
    ref = _trackeval_direct(tud['gt_root'], tud['results_dir'],
                            list(TUD_SEQS))
    assert list(tud_results) == [*TUD_SEQS, COMBINED]
    for key, values in ref.items():
        ours = tud_results[key]
        assert set(ours) == set(values)
        for name, value in values.items():
            assert type(ours[name]) is float
            assert ours[name] == pytest.approx(float(value), abs=1e-9), (
                key, name)


def test_tud_equals_motmetrics(tud_results):
    for key, mm in MOTMETRICS_TUD.items():
        ours = tud_results[key]
        for name, mm_name in (('MOTA', 'mota'), ('IDF1', 'idf1'),
                              ('IDP', 'idp'), ('IDR', 'idr'),
                              ('Rcll', 'recall'), ('Prcn', 'precision')):
            assert ours[name] == pytest.approx(100 * mm[mm_name],
                                               abs=1e-8), (key, name)
        # motmetrics' MOTP is the mean distance 1 - IoU of the matches
        assert ours['MOTP'] == pytest.approx(100 * (1 - mm['motp']),
                                             abs=1e-8), key
        # CLEAR's IDSW and motmetrics' num_switches agree on these files
        # although their matching differs (see the reference file)
        for name, mm_name in (('IDSW', 'num_switches'),
                              ('FP', 'num_false_positives'),
                              ('FN', 'num_misses'), ('MT', 'mostly_tracked'),
                              ('PT', 'partially_tracked'),
                              ('ML', 'mostly_lost'),
                              ('Frag', 'num_fragmentations'),
                              ('GT_IDs', 'num_unique_objects')):
            assert ours[name] == mm[mm_name], (key, name)
        assert ours['TP'] == mm['num_objects'] - mm['num_misses']
        assert ours['GT_Dets'] == mm['num_objects']


def test_tud_counts_and_formulas(tud, tud_results):
    """Counts read from the files and the CLEAR / ID formulas."""
    total_ids = 0
    for seq in TUD_SEQS:
        res = np.loadtxt(osp.join(tud['data'], seq, 'test.txt'),
                         delimiter=',')
        ours = tud_results[seq]
        # every gt row is a pedestrian with consider=1: nothing is removed
        assert ours['Dets'] == len(res)
        assert ours['IDs'] == len(np.unique(res[:, 1]))
        total_ids += ours['IDs']
    assert tud_results[COMBINED]['IDs'] == total_ids == 25
    for values in tud_results.values():
        assert values['MOTA'] == pytest.approx(
            100 * (values['TP'] - values['FP'] - values['IDSW']) /
            values['GT_Dets'], abs=1e-9)
        assert values['IDF1'] == pytest.approx(
            100 * 2 * values['IDTP'] /
            (2 * values['IDTP'] + values['IDFP'] + values['IDFN']), abs=1e-9)
        assert values['TP'] + values['FP'] == values['Dets']
        assert values['MT'] + values['PT'] + values['ML'] == values['GT_IDs']
        # HOTA is the mean over alpha of sqrt(DetA_a * AssA_a), at most
        # sqrt(mean DetA * mean AssA) (Cauchy-Schwarz)
        assert 0 < values['HOTA'] <= np.sqrt(
            values['DetA'] * values['AssA']) + 1e-9


def test_tud_parallel_equals_serial(tud, tud_results):
    parallel = evaluate_mot_challenge(tud['gt_root'], tud['results_dir'],
                                      num_workers=2, progress=False)
    assert parallel == tud_results


def test_quiet_and_verbose(tud, capsys):
    kwargs = dict(seq_names=['TUD-Campus'], metrics=('CLEAR', ),
                  progress=False)
    result = evaluate_mot_challenge(tud['gt_root'], tud['results_dir'],
                                    **kwargs)
    assert capsys.readouterr().out == ''
    assert 'HOTA' not in result['TUD-Campus']
    assert 'IDF1' not in result['TUD-Campus']
    assert result['TUD-Campus']['MOTA'] == pytest.approx(
        100 * MOTMETRICS_TUD['TUD-Campus']['mota'], abs=1e-8)
    evaluate_mot_challenge(tud['gt_root'], tud['results_dir'], verbose=True,
                           **kwargs)
    out = capsys.readouterr().out
    assert 'CLEAR: qdtrack-pedestrian' in out and 'TUD-Campus' in out


def test_format_mot_table(tud_results):
    lines = format_mot_table(tud_results).splitlines()
    assert lines[0].split() == ['Sequence', 'HOTA', 'DetA', 'AssA', 'MOTA',
                                'MOTP', 'IDF1', 'IDP', 'IDR', 'IDSW', 'FP',
                                'FN', 'Frag', 'MT', 'ML']
    assert [line.split()[0] for line in lines[1:]] == [*TUD_SEQS, COMBINED]
    campus = dict(zip(lines[0].split(), lines[1].split()))
    assert campus['MOTA'] == '52.6'  # 52.646...
    assert campus['IDF1'] == '55.8'  # 55.766...
    assert (campus['IDSW'], campus['FP'], campus['FN']) == ('7', '13', '150')
    combined = format_mot_table(tud_results, metrics=('MOTA', 'IDSW'),
                                decimals=3).splitlines()[-1].split()
    assert combined == ['COMBINED', '55.512', '14']
    with pytest.raises(KeyError, match='has no Foo'):
        format_mot_table(tud_results, metrics=('MOTA', 'Foo'))


# --------------------------------------------------- preprocessing (MOT17)


def _evaluate_case(root, gt_lines, res_lines, length=2, **kwargs):
    """Evaluate one sequence ``SEQ`` given as lists of text lines."""
    gt_root, res_dir = root / 'gt', root / 'res'
    _write_seqinfo(gt_root / 'SEQ', 'SEQ', length)
    (gt_root / 'SEQ' / 'gt').mkdir(parents=True, exist_ok=True)
    (gt_root / 'SEQ' / 'gt' / 'gt.txt').write_text(''.join(gt_lines))
    res_dir.mkdir(exist_ok=True)
    if res_lines is not None:
        (res_dir / 'SEQ.txt').write_text(''.join(res_lines))
    kwargs.setdefault('progress', False)
    return evaluate_mot_challenge(str(gt_root), str(res_dir), **kwargs)


def _distractor_case(cls, consider=0):
    gt = ['1,1,0,0,10,20,1,1,1\n',
          f'1,2,100,0,10,20,{consider},{cls},1\n',
          '2,1,2,0,10,20,1,1,1\n',
          f'2,2,100,0,10,20,{consider},{cls},1\n']
    res = ['1,1,0,0,10,20,1,-1,-1,-1\n',
           '1,2,100,0,10,20,1,-1,-1,-1\n',  # on the second gt box, IoU 1
           '1,3,400,0,10,20,1,-1,-1,-1\n',  # on nothing: FP
           '2,1,2,0,10,20,1,-1,-1,-1\n',
           '2,2,101,0,10,20,1,-1,-1,-1\n',  # IoU 180/220 with the 2nd box
           '2,4,105,0,10,20,1,-1,-1,-1\n']  # IoU 1/3, left unmatched: FP
    return gt, res


@pytest.mark.parametrize('cls', [2, 7, 8, 12])
def test_predictions_on_distractors_are_removed(tmp_path, cls):
    gt, res = _distractor_case(cls)
    values = _evaluate_case(tmp_path, gt, res)['SEQ']
    # track 2 is removed in both frames: neither TP nor FP
    assert (values['TP'], values['FP'], values['FN']) == (2, 2, 0)
    assert (values['Dets'], values['IDs']) == (4, 3)
    assert (values['GT_Dets'], values['GT_IDs']) == (2, 1)
    assert values['MOTA'] == 0.0  # (2 - 2 - 0) / 2
    assert values['IDF1'] == pytest.approx(100 * 4 / 6)  # 2*2 / (4 + 2 + 0)
    assert values['Prcn'] == 50.0


@pytest.mark.parametrize('cls, consider, benchmark', [
    (3, 0, 'MOT17'),  # car: not a distractor
    (6, 0, 'MOT17'),  # non-motorized vehicle: distractor only in MOT20
    (1, 0, 'MOT17'),  # pedestrian with consider=0, see below
])
def test_predictions_on_other_ignored_rows_are_false_positives(
        tmp_path, cls, consider, benchmark):
    """Only distractor classes remove predictions.

    A prediction on a pedestrian with consider=0 is a false positive in
    the official MOTChallenge devkit (``preprocessResult.m`` removes only
    predictions matched to classes 2, 7, 8, 12), in TrackEval and in
    motmetrics' ``preprocessResult``; we follow them so that numbers stay
    comparable with published ones.
    """
    gt, res = _distractor_case(cls, consider)
    values = _evaluate_case(tmp_path, gt, res, benchmark=benchmark)['SEQ']
    assert (values['TP'], values['FP'], values['FN']) == (2, 4, 0)
    assert (values['Dets'], values['IDs']) == (6, 4)
    assert (values['GT_Dets'], values['GT_IDs']) == (2, 1)
    assert values['MOTA'] == -100.0  # (2 - 4 - 0) / 2


def test_mot20_removes_class_6(tmp_path):
    gt, res = _distractor_case(6)
    values = _evaluate_case(tmp_path, gt, res, benchmark='MOT20')['SEQ']
    assert (values['TP'], values['FP'], values['Dets']) == (2, 2, 4)


# ----------------------------------------------------------- file handling

GT_TWO = ['1,1,0,0,10,20,1,1,1\n', '2,1,2,0,10,20,1,1,1\n']


def test_missing_results_file_counts_as_empty(tmp_path):
    with pytest.warns(UserWarning, match='SEQ.txt: no results file'):
        values = _evaluate_case(tmp_path, GT_TWO, None)['SEQ']
    assert (values['TP'], values['FP'], values['FN']) == (0, 0, 2)
    assert (values['MOTA'], values['IDF1'], values['HOTA']) == (0, 0, 0)
    assert (values['ML'], values['Dets'], values['IDs']) == (1, 0, 0)


def test_sequence_names_templates_and_listing(tmp_path):
    # flat ground-truth layout through the gt_file template
    gt_root, res_dir = tmp_path / 'gt', tmp_path / 'res'
    _write_seqinfo(gt_root / 'A', 'A', 2)
    _write_seqinfo(gt_root / 'B', 'B', 2)
    (gt_root / 'annotations').mkdir()
    (gt_root / 'annotations' / 'A.txt').write_text(''.join(GT_TWO))
    (gt_root / 'annotations' / 'B.txt').write_text(GT_TWO[0])
    res_dir.mkdir()
    (res_dir / 'A.txt').write_text('1,5,0,0,10,20,1,-1,-1,-1\n')
    (res_dir / 'B.txt').write_text('1,5,0,0,10,20,1,-1,-1,-1\n')
    out = evaluate_mot_challenge(str(gt_root), str(res_dir),
                                 seq_names=['B', 'A'],
                                 gt_file='annotations/{seq}.txt',
                                 progress=False)
    assert list(out) == ['B', 'A', COMBINED]
    assert (out['A']['TP'], out['A']['FN'], out['B']['FN']) == (1, 1, 0)
    assert out[COMBINED]['TP'] == 2
    # seq_names=None lists the sequence folders: 'annotations' is not one
    with pytest.raises(ValueError, match=r'folder\(s\) without seqinfo.ini: '
                       'annotations$'):
        evaluate_mot_challenge(str(gt_root), str(res_dir),
                               gt_file='annotations/{seq}.txt',
                               progress=False)


def test_world_coordinates_and_large_ids_are_handled(tmp_path):
    """TrackEval reads column 8 as a class and sizes arrays by the ids."""
    gt = ['1,1,0,0,10,20,1,1,1\n', '1,2,50,0,10,20,1,1,1\n',
          '2,1,2,0,10,20,1,1,1\n', '2,2,52,0,10,20,1,1,1\n']
    plain = ['1,1,0,0,10,20,1,-1,-1,-1\n', '1,2,50,0,10,20,1,-1,-1,-1\n',
             '2,1,2,0,10,20,1,-1,-1,-1\n', '2,3,52,0,10,20,1,-1,-1,-1\n']
    ref = _evaluate_case(tmp_path / 'a', gt, plain)
    world = [line.replace(',-1,-1,-1', ',5.5,2,1') for line in plain]
    world = [line.replace('1,2,50', '1,4000000000,50') for line in world]
    assert _evaluate_case(tmp_path / 'b', gt, world) == ref
    assert ref['SEQ']['IDSW'] == 1 and ref['SEQ']['IDs'] == 3


@pytest.mark.parametrize('gt_lines, res_lines, match', [
    (GT_TWO, ['3,1,0,0,10,20,1,-1,-1,-1\n'],
     r'SEQ\.txt, line 1: frame is beyond the sequence length 2'),
    (GT_TWO, ['1,1,0,0,10,20,1,-1,-1,-1\n', '1,1,5,0,10,20,1,-1,-1,-1\n'],
     r'SEQ\.txt, line 2: id 1 appears twice in frame 1'),
    (GT_TWO + ['1,2,0,0,10,20,1,1,1,1\n'], [],
     r'gt\.txt, line 3: expected 9 columns, got 10'),
    (['1,1,0,0,10,nan,1,1,1\n'], [],
     r'gt\.txt, line 1: NaN or infinite value'),
])
def test_bad_files_name_file_and_line(tmp_path, gt_lines, res_lines, match):
    with pytest.raises(ValueError, match=match):
        _evaluate_case(tmp_path, gt_lines, res_lines)


def test_bad_arguments(tmp_path, tud):
    args = (tud['gt_root'], tud['results_dir'])
    with pytest.raises(ValueError, match='metrics must be'):
        evaluate_mot_challenge(*args, metrics=('HOTA', 'MOTA'))
    with pytest.raises(ValueError, match='benchmark must be'):
        evaluate_mot_challenge(*args, benchmark='MOT15')
    with pytest.raises(ValueError, match='reserved'):
        evaluate_mot_challenge(*args, seq_names=['COMBINED'])
    with pytest.raises(ValueError, match='num_workers'):
        evaluate_mot_challenge(*args, num_workers=0)
    with pytest.raises(FileNotFoundError, match='results folder not found'):
        evaluate_mot_challenge(tud['gt_root'], str(tmp_path / 'none'))
    missing = osp.join(tud['gt_root'], 'NOPE', 'seqinfo.ini')
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        evaluate_mot_challenge(*args, seq_names=['NOPE'], progress=False)
