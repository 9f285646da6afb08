"""mmengine's CheckpointHook with crash-safe local saves."""
import contextlib
import glob
import os
import os.path as osp
from collections import deque

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from qdtrack.registry import HOOKS
from qdtrack.utils.io import atomic_write_text


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """Save checkpoints so that a crash never leaves a broken one behind.

    mmengine 0.10.7's hook writes ``epoch_N.pth`` in place, deletes the
    oldest kept checkpoint *before* writing the new one and rewrites
    ``last_checkpoint`` in place: a kill or a full disk during a save can
    leave a truncated checkpoint, no readable checkpoint at all (with
    ``max_keep_ckpts=1``) and ``last_checkpoint`` pointing at the broken
    file. On a local ``out_dir`` this hook instead

    1. writes the checkpoint to a hidden temporary file in the same folder,
       flushes it to disk and renames it over the final name
       (:func:`os.replace`, atomic);
    2. then points ``last_checkpoint`` at it (atomically);
    3. only then deletes checkpoints beyond ``max_keep_ckpts``.

    An ``OSError`` (e.g. ``ENOSPC``, no space left) is re-raised with the
    checkpoint's path, and the temporary file is removed. Temporary files
    left by a killed process are removed at the start of training. Other
    storage backends and ``save_best`` checkpoints keep mmengine's
    behaviour. Arguments are those of
    :class:`mmengine.hooks.CheckpointHook`.
    """

    TMP_SUFFIX = '.tmp'

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if not isinstance(self.file_backend, LocalBackend):
            return
        if self.max_keep_ckpts > 0:  # unbounded: removal happens here
            self.keep_ckpt_ids = deque(self.keep_ckpt_ids)
        if is_main_process():
            for stale in glob.glob(
                    osp.join(self.out_dir, '.*' + self.TMP_SUFFIX)):
                if osp.basename(stale).startswith('.' + self.filename_tmpl
                                                  .split('{')[0]):
                    os.unlink(stale)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        name = self.filename_tmpl.format(step)
        path = osp.join(self.out_dir, name)
        tmp_name = f'.{name}.{os.getpid()}{self.TMP_SUFFIX}'
        tmp = osp.join(self.out_dir, tmp_name)
        previous = runner.message_hub.get_info('last_ckpt')
        new_step = self.max_keep_ckpts > 0 and (
            not self.keep_ckpt_ids or self.keep_ckpt_ids[-1] != step)
        # recorded before saving, as mmengine does, so that the saved
        # message hub knows its own file
        runner.message_hub.update_info('last_ckpt', path)
        if new_step:
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        try:
            runner.save_checkpoint(
                self.out_dir,
                tmp_name,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
            if is_main_process():
                with open(tmp, 'rb+') as f:
                    os.fsync(f.fileno())
                os.replace(tmp, path)
        except BaseException as err:
            runner.message_hub.update_info('last_ckpt', previous)
            if new_step:
                self.keep_ckpt_ids.pop()
                runner.message_hub.update_info('keep_ckpt_ids',
                                               list(self.keep_ckpt_ids))
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(err, OSError):
                raise OSError(err.errno, f'cannot save checkpoint {path}: '
                              f'{err.strerror or err}') from err
            raise
        self.last_ckpt = path
        if not is_main_process():
            return
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), path)
        if new_step:
            while len(self.keep_ckpt_ids) > self.max_keep_ckpts:
                old = osp.join(self.out_dir,
                               self.filename_tmpl.format(
                                   self.keep_ckpt_ids.popleft()))
                if osp.isfile(old):
                    os.unlink(old)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
