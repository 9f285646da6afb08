"""tools/train.py with a hook that dumps what each rank did.

Run by ``tests/tools/test_dist_train.py`` under ``torch.distributed.run``::

    python -m torch.distributed.run --nproc_per_node 2 \
        tests/tools/dist_train_worker.py DUMP_DIR CONFIG --launcher pytorch \
        [other arguments of tools/train.py]

Everything after ``DUMP_DIR`` goes to ``tools/train.py``'s ``main``
unchanged. The only difference from ``tools/train.py`` is a hook added to
the runner: every rank writes ``DUMP_DIR/rank<R>.pth`` with its initial and
final model parameters, the key frames it trained on and its losses of
every iteration.
"""
import os
import os.path as osp
import sys

import torch
import torch.distributed as dist
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import train as train_tool  # noqa: E402


def _state_dict(runner):
    model = runner.model
    if is_model_wrapper(model):
        model = model.module
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def _frame_key(frame):
    """(video_id, frame_id, img_path) of a ``DetDataSample``."""
    meta = frame.metainfo
    return (int(meta['video_id']), int(meta['frame_id']),
            str(meta.get('img_path', '')))


class DumpRankHook(Hook):
    """Record the frames, losses and parameters of this rank.

    Args:
        dump_dir (str): Folder of the ``rank<R>.pth`` files.
    """

    priority = 'LOWEST'

    def __init__(self, dump_dir):
        self.dump_dir = dump_dir
        self.record = dict(key_frames=[], ref_frames=[], losses=[])

    def before_train(self, runner):
        sampler = runner.train_dataloader.sampler
        self.record.update(
            rank=dist.get_rank(),
            world_size=dist.get_world_size(),
            backend=dist.get_backend(),
            wrapper=type(runner.model).__name__,
            sampler=type(sampler).__name__,
            sampler_seed=getattr(sampler, 'seed', None),
            initial=_state_dict(runner))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        for sample in data_batch['data_samples']:
            self.record['key_frames'].append(
                _frame_key(sample.get_key_frames()[0]))
            self.record['ref_frames'].append(
                _frame_key(sample.get_ref_frames()[0]))
        self.record['losses'].append(
            {k: float(v) for k, v in (outputs or {}).items()})

    def after_train(self, runner):
        self.record.update(iters=runner.iter, final=_state_dict(runner))
        rank = self.record['rank']
        torch.save(self.record, osp.join(self.dump_dir, f'rank{rank}.pth'))


def main(argv):
    dump_dir = argv[0]
    os.makedirs(dump_dir, exist_ok=True)

    class DumpRunner(Runner):

        def train(self):
            self.register_hook(DumpRankHook(dump_dir))
            return super().train()

    train_tool.Runner = DumpRunner
    train_tool.main(argv[1:])


if __name__ == '__main__':
    main(sys.argv[1:])
