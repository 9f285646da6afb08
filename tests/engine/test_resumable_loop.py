"""Resuming from a mid-epoch iteration checkpoint does not replay the epoch.
"""
import os.path as osp
import shutil
import sys

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from regressor_runner import make_runner  # noqa: E402

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
