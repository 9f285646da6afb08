"""Epoch-based training that resumes mid-epoch where it stopped."""
from mmengine.runner import EpochBasedTrainLoop

from qdtrack.registry import LOOPS


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """mmengine's epoch-based loop that does not replay a resumed epoch.

    A checkpoint saved by iteration (``CheckpointHook(by_epoch=False)``)
    records ``iter`` in the middle of an epoch. mmengine 0.10.7 resumes at
    the start of that epoch and trains all its batches again while keeping
    the iteration counter, so the run ends with more iterations than
    ``max_epochs`` epochs have (and the schedule and ETA are off). This loop
    skips the batches of the resumed epoch that were already trained: the
    sampler of an epoch is seeded by the epoch number, so the remaining
    batches are those the interrupted run would have seen. Skipped batches
    are read and dropped, as mmengine's iteration-based loop does.

    The iteration at which each epoch began is kept in the message hub
    (``train_epoch_start``: ``[epoch, iteration]``), which checkpoints
    save, so epochs of different lengths (e.g. the PK sampler of
    SimpleReID) resume right; a checkpoint without it (from mmengine's
    loop) is taken to have epochs of the current length.

    Arguments are those of :class:`mmengine.runner.EpochBasedTrainLoop`.
    """

    START_KEY = 'train_epoch_start'

    def _batches_done(self) -> int:
        """Batches of the current epoch trained before the checkpoint."""
        start = self.runner.message_hub.get_info(self.START_KEY)
        if start is None:
            return self._iter - self._epoch * len(self.dataloader)
        epoch, start_iter = start
        return self._iter - start_iter if epoch == self._epoch else 0

    def run_epoch(self) -> None:
        """Iterate one epoch, from its first untrained batch."""
        done = self._batches_done()
        if done <= 0:
            self.runner.message_hub.update_info(self.START_KEY,
                                                [self._epoch, self._iter])
            return super().run_epoch()
        self.runner.call_hook('before_train_epoch')  # sets the sampler epoch
        if done > len(self.dataloader):
            raise RuntimeError(
                f'iteration {self._iter} is past the end of epoch '
                f'{self._epoch + 1} ({len(self.dataloader)} batches): the '
                'checkpoint comes from a run with another data size')
        self.runner.logger.info(
            f'resuming epoch {self._epoch + 1} after its first {done} '
            'batches (trained before the checkpoint)')
        self.runner.model.train()
        if done < len(self.dataloader):
            for idx, data_batch in enumerate(self.dataloader):
                if idx >= done:
                    self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
