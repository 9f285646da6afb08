"""Distributed training through tools/train.py: 2 CPU processes, gloo.

``torch.distributed.run`` starts 2 ranks of ``tools/train.py`` (through
``dist_train_worker.py``, which only adds a hook that dumps each rank's
frames, losses and parameters) with ``--launcher pytorch`` on the toy
config and a generated toy dataset of 2 videos x 8 frames at 160x120, batch
size 1, 3 iterations.
"""
import math
import os
import os.path as osp
import re
import subprocess
import sys
from glob import glob

import pytest
import torch

from qdtrack.datasets.toy import generate_toy_benchmark

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
WORKER = osp.join(ROOT, 'tests', 'tools', 'dist_train_worker.py')
CONFIG = osp.join(ROOT, 'configs', 'qdtrack', 'qdtrack_faster-rcnn_toy.py')
MAX_ITERS = 3
LOSS_KEYS = {
    'loss', 'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox',
    'loss_track', 'loss_track_aux'
}


@pytest.fixture(scope='module')
def dist_run(tmp_path_factory):
    """Train 2 ranks; return the work dir and the dump of every rank."""
    tmp = tmp_path_factory.mktemp('dist_train')
    data_root = tmp / 'toy'
    generate_toy_benchmark(data_root, seed=0, num_train=2, num_val=0,
                           num_frames=8, width=160, height=120,
                           progress=False)
    work_dir = tmp / 'work'
    dump_dir = tmp / 'dump'
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--standalone',
        '--nproc_per_node', '2', WORKER,
        str(dump_dir), CONFIG, '--launcher', 'pytorch', '--work-dir',
        str(work_dir), '--cfg-options', 'env_cfg.dist_cfg.backend=gloo',
        f'train_dataloader.dataset.data_root={data_root}/',
        'train_dataloader.batch_size=1', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_cfg._delete_=True', 'train_cfg.type=IterBasedTrainLoop',
        f'train_cfg.max_iters={MAX_ITERS}', 'train_cfg.val_interval=1000',
        'val_dataloader=None', 'val_cfg=None', 'val_evaluator=None',
        'test_dataloader=None', 'test_cfg=None', 'test_evaluator=None',
        'log_processor.by_epoch=False', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.by_epoch=False',
        f'default_hooks.checkpoint.interval={MAX_ITERS}'
    ]
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, \
        f'{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}'
    dumps = [
        torch.load(dump_dir / f'rank{rank}.pth', weights_only=False)
        for rank in range(2)
    ]
    return work_dir, dumps


def test_both_ranks_train(dist_run):
    work_dir, dumps = dist_run
    for rank, dump in enumerate(dumps):
        assert dump['rank'] == rank
        assert dump['world_size'] == 2
        assert dump['backend'] == 'gloo'
        assert dump['wrapper'] == 'MMDistributedDataParallel'
        assert dump['iters'] == MAX_ITERS
        assert len(dump['losses']) == MAX_ITERS
        assert len(dump['key_frames']) == MAX_ITERS
        for losses in dump['losses']:
            assert LOSS_KEYS <= set(losses)
            assert all(math.isfinite(v) for v in losses.values())
            assert losses['loss'] > 0
    # the ranks train on different frames, so their losses differ: equal
    # parameters at the end can only come from synchronised gradients
    assert dumps[0]['losses'][0]['loss'] != dumps[1]['losses'][0]['loss']

    # rank 0 writes the log: one line per iteration, the first with its
    # own first loss
    logs = glob(osp.join(str(work_dir), '*', '*.log'))
    assert len(logs) == 1
    with open(logs[0]) as f:
        text = f.read()
    lines = [
        line for line in text.splitlines() if 'Iter(train)' in line
    ]
    assert len(lines) == MAX_ITERS
    assert f'[{MAX_ITERS}/{MAX_ITERS}]' in lines[-1]
    first = float(re.search(r' loss: ([0-9.]+)', lines[0]).group(1))
    assert first == pytest.approx(dumps[0]['losses'][0]['loss'], abs=1e-4)


def test_ranks_get_different_frames(dist_run):
    _, dumps = dist_run
    for dump in dumps:
        assert dump['sampler'] == 'TrackImgSampler'
        for key, ref in zip(dump['key_frames'], dump['ref_frames']):
            # the reference frame: same video, at most 3 frames away
            assert key[0] == ref[0]
            assert 0 < abs(key[1] - ref[1]) <= 3
            assert 0 <= key[1] < 8
    # one shuffle seed shared by the ranks (synchronised from rank 0), so
    # that the interleaved split gives them disjoint frames
    assert dumps[0]['sampler_seed'] == dumps[1]['sampler_seed']
    frames = [set(k[:2] for k in dump['key_frames']) for dump in dumps]
    assert len(frames[0]) == len(frames[1]) == MAX_ITERS
    assert not frames[0] & frames[1]


def test_gradients_synchronised(dist_run):
    work_dir, dumps = dist_run
    initial = [dump['initial'] for dump in dumps]
    final = [dump['final'] for dump in dumps]
    assert set(final[0]) == set(final[1]) == set(initial[0])
    for name in final[0]:
        # DDP broadcasts rank 0's parameters when it wraps the model
        assert torch.equal(initial[0][name], initial[1][name]), name
        assert torch.equal(final[0][name], final[1][name]), name

    def change(name):
        return (final[0][name] - initial[0][name]).abs().max().item()

    # training moved the detector, the RPN and the track head ...
    for name in ('detector.backbone.layer7.0.linear_conv.conv.weight',
                 'detector.neck.fpn_convs.0.conv.weight',
                 'detector.rpn_head.rpn_conv.weight',
                 'detector.roi_head.bbox_head.fc_cls.weight',
                 'track_head.embed_head.fc_embed.weight',
                 'track_head.embed_head.convs.0.conv.weight'):
        assert change(name) > 0, name
    # ... but neither the frozen stem (frozen_stages=1) nor the BN
    # statistics of the backbone (norm_eval=True)
    for name in ('detector.backbone.conv1.conv.weight',
                 'detector.backbone.layer1.0.depthwise_conv.conv.weight',
                 'detector.backbone.layer5.0.expand_conv.bn.running_mean'):
        assert change(name) == 0, name

    # rank 0's checkpoint holds the parameters rank 1 ended with
    ckpt = torch.load(
        work_dir / f'iter_{MAX_ITERS}.pth', map_location='cpu',
        weights_only=False)
    assert ckpt['meta']['iter'] == MAX_ITERS
    assert set(ckpt['state_dict']) == set(final[1])
    for name, value in ckpt['state_dict'].items():
        assert torch.equal(value, final[1][name]), name
