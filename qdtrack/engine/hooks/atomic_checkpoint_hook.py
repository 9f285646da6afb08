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

    ``save_best`` checkpoints (``best_<metric>_epoch_N.pth``) are saved the
    same way: mmengine deletes the previous best before writing the new
    one; here the new one is renamed into place first, the message hub's
    ``best_score`` and ``best_ckpt`` are rolled back if that fails, and
    the previous best is deleted only after.

    An ``OSError`` (e.g. ``ENOSPC``, no space left) is re-raised with the
    checkpoint's path, and the temporary file is removed. Temporary files
    left by a killed process are removed at the start of training. Other
    storage backends keep mmengine's behaviour. Arguments are those of
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
            prefixes = ('.' + self.filename_tmpl.split('{')[0], '.best_')
            for stale in glob.glob(
                    osp.join(self.out_dir, '.*' + self.TMP_SUFFIX)):
                if osp.basename(stale).startswith(prefixes):
                    os.unlink(stale)

    def _write_atomically(self, runner, name, **save_kwargs) -> str:
        """Save a checkpoint as ``out_dir/name`` by temporary file + rename.

        Args:
            runner (Runner): The runner.
            name (str): The checkpoint's file name in ``out_dir``.
            **save_kwargs: Passed to ``runner.save_checkpoint``.

        Returns:
            str: The final path. On failure the temporary file is removed
            and an ``OSError`` names the final path.
        """
        path = osp.join(self.out_dir, name)
        tmp_name = f'.{name}.{os.getpid()}{self.TMP_SUFFIX}'
        tmp = osp.join(self.out_dir, tmp_name)
        try:
            runner.save_checkpoint(
                self.out_dir,
                tmp_name,
                self.file_client_args,
                backend_args=self.backend_args,
                **save_kwargs)
            if is_main_process():
                with open(tmp, 'rb+') as f:
                    os.fsync(f.fileno())
                os.replace(tmp, path)
        except BaseException as err:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(err, OSError):
                raise OSError(err.errno, f'cannot save checkpoint {path}: '
                              f'{err.strerror or err}') from err
            raise
        return path

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        name = self.filename_tmpl.format(step)
        path = osp.join(self.out_dir, name)
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
            self._write_atomically(
                runner,
                name,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                **self.args)
        except BaseException:
            runner.message_hub.update_info('last_ckpt', previous)
            if new_step:
                self.keep_ckpt_ids.pop()
                runner.message_hub.update_info('keep_ckpt_ids',
                                               list(self.keep_ckpt_ids))
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

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self.save_best:
            return
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_best_checkpoint(runner, metrics)
        step = runner.epoch if self.by_epoch else runner.iter
        unit = 'epoch' if self.by_epoch else 'iter'
        meta = dict(epoch=runner.epoch, iter=runner.iter)
        if 'auto' in self.key_indicators:
            self._init_rule(self.rules, [next(iter(metrics))])
        hub = runner.message_hub
        single = len(self.key_indicators) == 1
        updated = False
        for key, rule in zip(self.key_indicators, self.rules):
            score = metrics[key]
            score_key = 'best_score' if single else f'best_score_{key}'
            ckpt_key = 'best_ckpt' if single else f'best_ckpt_{key}'
            had_score = score_key in hub.runtime_info
            best = hub.get_info(score_key, self.init_value_map[rule])
            if score is None or not self.is_better_than[key](score, best):
                continue
            old = (self.best_ckpt_path
                   if single else self.best_ckpt_path_dict[key])
            name = f'best_{key}_{self.filename_tmpl.format(step)}'
            name = name.replace('/', '_')
            path = osp.join(self.out_dir, name)
            # recorded before saving, as mmengine does, so that the best
            # checkpoint's message hub names itself
            hub.update_info(score_key, score)
            hub.update_info(ckpt_key, path)
            try:
                self._write_atomically(
                    runner,
                    name,
                    save_optimizer=False,
                    save_param_scheduler=False,
                    meta=meta,
                    by_epoch=False)
            except BaseException:
                if had_score:
                    hub.update_info(score_key, best)
                else:
                    hub.pop_info(score_key)
                if old is None:
                    hub.pop_info(ckpt_key, None)
                else:
                    hub.update_info(ckpt_key, old)
                raise
            if single:
                self.best_ckpt_path = path
            else:
                self.best_ckpt_path_dict[key] = path
            updated = True
            runner.logger.info(
                f'The best checkpoint with {score:0.4f} {key} at {step} '
                f'{unit} is saved to {name}.')
            if old and old != path and is_main_process() and osp.isfile(old):
                os.unlink(old)
                runner.logger.info(
                    f'The previous best checkpoint {old} is removed')
        # the regular checkpoint is saved again so that its message hub
        # knows the new best (resuming then deletes the right file later)
        if updated and self.last_ckpt is not None:
            self._save_checkpoint_with_step(runner, step, meta)
