"""Resuming from a mid-epoch iteration checkpoint does not replay the epoch.
"""
import os.path as osp
import shutil
import sys

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from regressor_runner import ShrinkingSampler, make_runner  # noqa: E402

ITER_CKPT = dict(type='AtomicCheckpointHook', by_epoch=False, interval=3)


def _loop(kind):
    return dict(type=kind, max_epochs=2)


def test_resume_mid_epoch_finishes_like_an_uninterrupted_run(tmp_path):
    full = make_runner(tmp_path / 'full',
                       train_cfg=_loop('ResumableEpochBasedTrainLoop'),
                       checkpoint=ITER_CKPT)
    full.train()
    assert full.iter == 8  # 2 epochs x 4 batches
    # iter_6 is 2 batches into epoch 2
    ckpt = str(tmp_path / 'full' / 'iter_6.pth')
    meta = torch.load(ckpt, map_location='cpu')['meta']
    assert (meta['epoch'], meta['iter']) == (1, 6)
    for kind, iters in (('ResumableEpochBasedTrainLoop', 8),
                        ('EpochBasedTrainLoop', 10)):
        work = tmp_path / kind
        shutil.copytree(tmp_path / 'full', work)
        resumed = make_runner(work, train_cfg=_loop(kind),
                              checkpoint=ITER_CKPT, resume=True,
                              load_from=str(work / 'iter_6.pth'))
        resumed.train()
        # mmengine's loop trains all 4 batches of epoch 2 again
        assert resumed.iter == iters, kind
        if kind == 'ResumableEpochBasedTrainLoop':
            torch.testing.assert_close(resumed.model.fc.weight,
                                       full.model.fc.weight, rtol=0, atol=0)


def test_resume_with_epochs_of_different_lengths(tmp_path):
    """Epochs of 4, 3 and 2 batches (a sampler whose length depends on the
    epoch, as SimpleReID's PK sampler): resuming inside epoch 2 or 3, or at
    the last iteration of epoch 1 or 2 (saved before the epoch's end hooks)
    ends like the uninterrupted run. The rule 'epoch x batches per epoch'
    would count 8 - 2 x 4 = 0 batches done at iter_8 and replay epoch 3."""
    sampler = dict(type=ShrinkingSampler, seed=1)
    ckpt = dict(type='AtomicCheckpointHook', by_epoch=False, interval=1)
    full = make_runner(tmp_path / 'full', max_epochs=3, sampler=sampler,
                       train_cfg=_loop('ResumableEpochBasedTrainLoop') | dict(
                           max_epochs=3), checkpoint=ckpt)
    full.train()
    assert full.iter == 9  # 4 + 3 + 2
    for step, logged in ((5, 'epoch 2 after its first 1 batches'),
                         (8, 'epoch 3 after its first 1 batches'),
                         (4, 'epoch 1 after its first 4 batches'),
                         (7, 'epoch 2 after its first 3 batches')):
        work = tmp_path / f'from_{step}'
        shutil.copytree(tmp_path / 'full', work)
        resumed = make_runner(
            work, max_epochs=3, sampler=sampler,
            train_cfg=_loop('ResumableEpochBasedTrainLoop') | dict(
                max_epochs=3),
            checkpoint=ckpt, resume=True,
            load_from=str(work / f'iter_{step}.pth'))
        resumed.train()
        assert resumed.iter == 9, step
        torch.testing.assert_close(resumed.model.fc.weight,
                                   full.model.fc.weight, rtol=0, atol=0)
        log = open(osp.join(resumed.log_dir,
                            f'{resumed.timestamp}.log')).read()
        assert f'resuming {logged}' in log
