"""Bad inputs through the real tools: a clear message and no half output.

Each case damages a copy of a tiny toy benchmark (or an argument), runs
the tool or component a user would run, and checks the message and that
nothing half-written is left: no result folder, no ``test_metrics.json``,
no temporary file. docs/bad_inputs.md lists the same table.
"""
import errno
import json
import os
import os.path as osp
import shutil
import sys
import types

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from qdtrack.datasets.mot_files import read_mot_results
from qdtrack.datasets.toy import generate_toy_benchmark
from qdtrack.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
sys.path.insert(0, osp.join(ROOT, 'tests', 'engine'))
import generate_toy as generate_tool  # noqa: E402
import test as test_tool  # noqa: E402
import train as train_tool  # noqa: E402
from regressor_runner import Regressor, make_runner  # noqa: E402

SORT = osp.join(ROOT, 'configs/sort/sort_public-det_toy.py')
QDTRACK = osp.join(ROOT, 'configs/qdtrack/qdtrack_faster-rcnn_toy.py')
FRAMES = 6


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_benchmark(root, seed=3, num_train=1, num_val=2,
                           num_frames=FRAMES, width=96, height=64,
                           progress=False)
    return root


@pytest.fixture(scope='module')
def qdtrack_state(tmp_path_factory):
    """State dict of the toy QDTrack model (random weights)."""
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('qdtrack'):
        model = MODELS.build(Config.fromfile(QDTRACK).model)
    return model.state_dict()


def _ctx(tmp_path, toy, qdtrack_state):
    data = tmp_path / 'data'
    shutil.copytree(toy, data)
    return types.SimpleNamespace(
        tmp=tmp_path, data=data, work=tmp_path / 'work',
        out=tmp_path / 'results', val=data / 'val' / 'TOY-02',
        ann=data / 'annotations' / 'val_cocoformat.json',
        state=qdtrack_state)


def _data_options(ctx):
    return ['--cfg-options', f'test_dataloader.dataset.data_root={ctx.data}/',
            f'test_evaluator.gt_root={ctx.data}/val',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False']


def _test(ctx, *args, config=SORT, options=()):
    argv = [config, *args, '--work-dir', str(ctx.work)]
    if '--out' not in args:
        argv += ['--out', str(ctx.out)]
    return test_tool.main(argv + _data_options(ctx) + list(options))


def _edit_json(ctx, edit):
    data = json.loads(ctx.ann.read_text())
    edit(data)
    ctx.ann.write_text(json.dumps(data))


def _save_ckpt(ctx, state, name='model.pth'):
    path = ctx.tmp / name
    torch.save(dict(state_dict=state, meta=dict(epoch=1)), str(path))
    return str(path)


def _replace_line(path, number, text):
    lines = path.read_text().splitlines()
    lines[number - 1] = text
    path.write_text('\n'.join(lines) + '\n')


def _nan_state(ctx):
    state = {k: v.clone() for k, v in ctx.state.items()}
    key = next(k for k, v in state.items() if v.is_floating_point())
    state[key].view(-1)[0] = float('nan')
    return state


def _damage_frame(ctx, damage, frame=4):
    path = ctx.val / 'img1' / f'{frame:06d}.jpg'
    if damage is None:
        path.unlink()
    else:
        path.write_bytes(damage(path.read_bytes()))


def _disk_full_results(ctx, monkeypatch):
    from qdtrack.utils.io import atomic_write_text

    def full(fd):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', full)
    atomic_write_text(str(ctx.out / 'TOY-02.txt'), '1,1,1,1,1,1,1\n')


def _disk_full_checkpoint(ctx, monkeypatch):
    from mmengine.fileio.backends.local_backend import LocalBackend

    def put(self, obj, filepath):
        with open(filepath, 'wb') as f:
            f.write(obj[:10])
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(LocalBackend, 'put', put)
    make_runner(ctx.work, checkpoint=dict(
        type='AtomicCheckpointHook', interval=1)).train()


def _overwrite_toy(ctx):
    generate_tool.main([str(ctx.data), '--seed', '3', '--num-train', '1',
                        '--num-val', '2', '--num-frames', str(FRAMES),
                        '--width', '96', '--height', '64', '--no-progress'])


def _tracker(**kwargs):
    from qdtrack.models.trackers import QuasiDenseTrackManager
    return QuasiDenseTrackManager(**kwargs)


def _tracker_nan(ctx):
    embeds = torch.eye(2, 8)
    embeds[1, 3] = float('nan')
    _tracker().track(torch.tensor([[0., 0., 9., 9.], [20., 0., 29., 9.]]),
                     torch.tensor([0.9, 0.8]), torch.zeros(2).long(), embeds,
                     frame_id=7)


# id -> (action, expected exception (or UserWarning), message regex)
CASES = {
    # checkpoints given to tools/test.py
    'learned model without checkpoint': (
        lambda c, m: _test(c, config=QDTRACK), ValueError,
        r'qdtrack_faster-rcnn_toy\.py: the model has \d+ trainable \(not '
        r'frozen\) parameters but no checkpoint was given; pass CHECKPOINT '
        r'\(or --random-weights'),
    'checkpoint of another architecture': (
        lambda c, m: _test(c, _save_ckpt(c, nn.Linear(3, 2).state_dict()),
                           config=QDTRACK), ValueError,
        r'checkpoint .*model\.pth does not fit the model QDTrack \(2 '
        r'checkpoint keys, \d+ model keys\): \d+ key\(s\) missing, e\.g\. '
        r'detector\.backbone.*; 2 key\(s\) unexpected, e\.g\. bias, weight'),
    'checkpoint with NaN weights': (
        lambda c, m: _test(c, _save_ckpt(c, _nan_state(c)), config=QDTRACK),
        ValueError, r'1 key\(s\) with NaN or inf values, e\.g\. '
        r'detector\..* \(weights of a diverged training\?\)'),
    'checkpoint with a layer of another size': (
        lambda c, m: _test(c, _save_ckpt(c, {
            k: (v[:-1] if k.endswith('fc_cls.bias') else v)
            for k, v in c.state.items()}), config=QDTRACK), ValueError,
        r'1 key\(s\) with another shape, e\.g\. '
        r'detector\.roi_head\.bbox_head\.fc_cls\.bias: checkpoint \(3,\) vs '
        r'model \(4,\)'),
    'checkpoint path that does not exist': (
        lambda c, m: _test(c, str(c.tmp / 'nope.pth'), config=QDTRACK),
        FileNotFoundError, r'checkpoint not found: .*nope\.pth'),
    'checkpoint that is a text file': (
        lambda c, m: (c.tmp.joinpath('notes.pth').write_text('hello'),
                      _test(c, str(c.tmp / 'notes.pth'), config=QDTRACK)),
        ValueError, r'notes\.pth: cannot be read as a checkpoint'),
    'checkpoint pickling an arbitrary object': (
        lambda c, m: _test(c, _save_ckpt(c, {'x': np.random.RandomState(0)}),
                           config=QDTRACK), ValueError,
        r'model\.pth: cannot be read as a checkpoint \(UnpicklingError: '
        r'Weights only load failed'),
    # arguments
    '--format-only without --out': (
        lambda c, m: test_tool.main([SORT, '--format-only', '--work-dir',
                                     str(c.work)]), SystemExit,
        r'--format-only needs --out FOLDER: without it the result files '
        r'would only go to a temporary folder'),
    '--format-only with a .pkl --out': (
        lambda c, m: test_tool.main([SORT, '--format-only', '--out',
                                     str(c.tmp / 'r.pkl')]), SystemExit,
        r'--format-only needs --out FOLDER'),
    '--random-weights with a checkpoint': (
        lambda c, m: test_tool.main([QDTRACK, 'x.pth', '--random-weights']),
        SystemExit, r'--random-weights and a checkpoint exclude each other'),
    '--out is an existing file': (
        lambda c, m: (c.tmp.joinpath('taken').write_text(''),
                      _test(c, '--out', str(c.tmp / 'taken'))),
        NotADirectoryError, r'results folder .*taken is a file, not a '
        r'folder'),
    '--out below a file': (
        lambda c, m: (c.tmp.joinpath('taken').write_text(''),
                      _test(c, '--out', str(c.tmp / 'taken' / 'res'))),
        NotADirectoryError, r'results folder .*taken/res cannot be created: '
        r'.*taken is a file'),
    '--work-dir is a file': (
        lambda c, m: (c.tmp.joinpath('work').write_text(''), _test(c)),
        NotADirectoryError, r'work dir .*work is a file, not a folder'),
    '--resume with a missing checkpoint': (
        lambda c, m: train_tool.main([QDTRACK, '--resume',
                                      str(c.tmp / 'gone.pth'), '--work-dir',
                                      str(c.work)]), FileNotFoundError,
        r'--resume .*gone\.pth: checkpoint not found'),
    # ground truth, checked before inference
    'gt.txt row with a word': (
        lambda c, m: (_replace_line(c.val / 'gt' / 'gt.txt', 3,
                                    '1,2,abc,4,5,6,1,1,1'), _test(c)),
        ValueError, r'TOY-02/gt/gt\.txt, line 3: column 3 "abc" is not a '
        r'number'),
    'gt.txt row with class 0': (
        lambda c, m: (_replace_line(c.val / 'gt' / 'gt.txt', 2,
                                    '1,77,5,5,10,10,1,0,1'), _test(c)),
        ValueError, r'gt\.txt, line 2: class must be an integer in 1\.\.13, '
        r'got 0 in column 8'),
    'gt.txt frame beyond seqLength': (
        lambda c, m: (_replace_line(c.val / 'gt' / 'gt.txt', 1,
                                    '99,77,5,5,10,10,1,1,1'), _test(c)),
        ValueError, r'gt\.txt, line 1: frame is beyond the sequence length '
        r'6, got 99'),
    'gt.txt missing': (
        lambda c, m: ((c.val / 'gt' / 'gt.txt').unlink(), _test(c)),
        FileNotFoundError, r'TOY-02/gt/gt\.txt: file not found'),
    'seqinfo.ini missing': (
        lambda c, m: ((c.val / 'seqinfo.ini').unlink(), _test(c)),
        FileNotFoundError, r'TOY-02/seqinfo\.ini: seqinfo\.ini not found'),
    # images, found during inference (frames before are kept)
    'zero-byte JPEG mid-sequence': (
        lambda c, m: (_damage_frame(c, lambda b: b''), _test(c)),
        ValueError, r'TOY-02/img1/000004\.jpg: empty file \(0 bytes\) '
        r'\(frame 4 of video TOY-02\)'),
    'truncated JPEG mid-sequence': (
        lambda c, m: (_damage_frame(c, lambda b: b[:len(b) // 3]), _test(c)),
        ValueError, r'000004\.jpg: truncated JPEG \(no end-of-image marker, '
        r'\d+ bytes\) \(frame 4 of video TOY-02\)'),
    'JPEG missing mid-sequence': (
        lambda c, m: (_damage_frame(c, None), _test(c)), ValueError,
        r'000004\.jpg: file not found \(frame 4 of video TOY-02\)'),
    # annotation files
    'image without video_id': (
        lambda c, m: (_edit_json(c, lambda d: d['images'][1].pop(
            'video_id')), _test(c)), ValueError,
        r'val_cocoformat\.json: images\[1\] \(id \d+, '
        r'val/TOY-02/img1/000002\.jpg\) has no "video_id" although the file '
        r'has "videos"'),
    'category ids off by one': (
        lambda c, m: (_edit_json(c, lambda d: [
            a.update(category_id=a['category_id'] - 1)
            for a in d['annotations']]), _test(c)), ValueError,
        r'val_cocoformat\.json: annotations\[\d+\] \(id \d+, image \d+\) has '
        r'category_id 0, which is not among the ids of "categories" '
        r'\[1, 2, 3\]'),
    'annotation of an unknown image': (
        lambda c, m: (_edit_json(c, lambda d: d['annotations'][0].update(
            image_id=123456)), _test(c)), ValueError,
        r'annotations\[0\] \(id \d+\) refers to image_id 123456, which is '
        r'not in "images"'),
    'annotation file not JSON': (
        lambda c, m: (c.ann.write_text('{"images": ['), _test(c)),
        ValueError, r'val_cocoformat\.json: not valid JSON'),
    'annotation file missing': (
        lambda c, m: (c.ann.unlink(), _test(c)), FileNotFoundError,
        r'annotation file not found: .*val_cocoformat\.json'),
    'det.txt row with 9 columns': (
        lambda c, m: (_replace_line(c.val / 'det' / 'det.txt', 2,
                                    '1,-1,5,5,10,10,0.9,-1,-1'), _test(c)),
        ValueError, r'TOY-02/det/det\.txt, line 2: expected 10 columns, '
        r'got 9'),
    # legal but suspicious: a warning, complete results
    'empty det.txt': (
        lambda c, m: ((c.val / 'det' / 'det.txt').write_text(''), _test(c)),
        UserWarning, r'TOY-02/det/det\.txt: empty detection file; video '
        r'TOY-02 gets no public detections'),
    'misspelt top-level config key': (
        lambda c, m: _test(c, options=['default_hook.logger.interval=1']),
        UserWarning, r'sort_public-det_toy\.py: top-level key\(s\) ignored '
        r'by the runner: "default_hook" \(did you mean "default_hooks"\?\)'),
    'MMDetection 2.x config key': (
        lambda c, m: _test(c, options=['lr_config.policy=step']),
        UserWarning, r'"lr_config" \(an MMDetection 2\.x key; use '
        r'param_scheduler\)'),
    # training, saving, generating
    'diverging loss (NaN at iteration 3)': (
        lambda c, m: make_runner(c.work, model=Regressor(nan_at={3}),
                                 custom_hooks=[dict(
                                     type='InvalidLossHook')]).train(),
        FloatingPointError, r'non-finite training values at iteration 3 '
        r'\(epoch 1, batch 3\): loss=nan, loss_aux=nan\. The step was not '
        r'applied; the last good checkpoint is none'),
    'disk full while saving a checkpoint': (
        _disk_full_checkpoint, OSError,
        r'\[Errno 28\] cannot save checkpoint .*work/epoch_1\.pth: No space '
        r'left on device'),
    'disk full while writing results': (
        _disk_full_results, OSError, r'\[Errno 28\] cannot write '
        r'.*results/TOY-02\.txt: No space left on device'),
    'toy generator into a folder with annotations': (
        lambda c, m: _overwrite_toy(c), FileExistsError,
        r'would overwrite .*annotations/train_cocoformat\.json, '
        r'.*annotations/val_cocoformat\.json, .*train/TOY-01 and 2 more; '
        r'choose an empty folder or pass --overwrite'),
    # the track manager
    'NaN embedding given to the track manager': (
        lambda c, m: _tracker_nan(c), ValueError,
        r'non-finite embeds at frame 7 in 1 of 2 rows \(1\)'),
    'init_score_thr below obj_score_thr': (
        lambda c, m: _tracker(init_score_thr=0.3, obj_score_thr=0.5),
        ValueError, r'init_score_thr \(0\.3\) is below obj_score_thr '
        r'\(0\.5\)'),
}

#: Cases that fail while tracking: the frames before are in
#: <work>/partial_results.
PARTIAL = {'zero-byte JPEG mid-sequence', 'truncated JPEG mid-sequence',
           'JPEG missing mid-sequence'}


@pytest.mark.parametrize('case', list(CASES))
def test_bad_input(case, tmp_path, toy, qdtrack_state, monkeypatch, capsys):
    action, expected, message = CASES[case]
    ctx = _ctx(tmp_path, toy, qdtrack_state)
    before = {p for p in ctx.data.rglob('*')}
    if expected is UserWarning:
        with pytest.warns(UserWarning, match=message):
            action(ctx, monkeypatch)
        # legal input: the results are complete
        assert sorted(p.name for p in ctx.out.iterdir()) == [
            'TOY-02.txt', 'TOY-03.txt']
        assert (ctx.work / 'test_metrics.json').is_file()
    else:
        with pytest.raises(expected) as info:
            action(ctx, monkeypatch)
        text = str(info.value)
        if expected is SystemExit:
            assert info.value.code == 2
            text = capsys.readouterr().err
        assert _search(message, text), f'{message!r} not in {text!r}'
        # nothing half-written
        assert not ctx.out.exists() or not any(ctx.out.iterdir())
        assert not (ctx.work / 'test_metrics.json').exists()
    leftovers = [p for p in tmp_path.rglob('*') if p.name.endswith('.tmp')]
    assert leftovers == []
    assert {p for p in ctx.data.rglob('*')} - before == set()
    partial = ctx.work / 'partial_results'
    if case in PARTIAL:  # frames 1..3 of TOY-02 were tracked and are kept
        rows = read_mot_results(str(partial / 'TOY-02.txt'))
        assert len(rows) == 0 or rows[:, 0].max() <= 3
        assert sorted(p.name for p in partial.iterdir()) == ['TOY-02.txt']
    else:
        assert not partial.exists()


def _search(pattern, text):
    import re
    return re.search(pattern, text) is not None


def test_matrix_has_at_least_30_cases_and_matches_the_docs():
    assert len(CASES) >= 30
    doc = open(osp.join(ROOT, 'docs', 'bad_inputs.md')).read()
    missing = [case for case in CASES if f'| {case} |' not in doc]
    assert missing == []
