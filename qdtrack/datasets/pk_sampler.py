"""P x K sampling: batches of P identities with K boxes each."""
from typing import Iterator, List, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from qdtrack.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class PKSampler(Sampler):
    """Indices in batches of ``num_ids`` identities x ``num_instances`` each.

    The usual ReID batch for a triplet loss (Hermans et al., 2017). Per
    epoch: the samples of every identity are shuffled and cut into groups
    of ``num_instances`` (an identity with fewer samples is drawn with
    replacement up to one group; a last partial group is dropped); then,
    while at least ``num_ids`` identities have groups left, ``num_ids`` of
    them are drawn at random and one group of each forms a batch. The
    dataloader's ``batch_size`` must be ``num_ids * num_instances``.

    With several processes, each takes every ``world_size``-th batch.
    The order depends only on ``seed`` and the epoch (:meth:`set_epoch`).

    Args:
        dataset: A dataset with ``get_data_info(i)['gt_label']``.
        num_ids (int): Identities per batch (P).
        num_instances (int): Samples per identity (K).
        seed (int, optional): Random seed; synchronised across processes
            when None.
    """

    def __init__(self, dataset, num_ids: int, num_instances: int,
                 seed: Optional[int] = None) -> None:
        if num_ids < 1 or num_instances < 1:
            raise ValueError('num_ids and num_instances must be >= 1, got '
                             f'{num_ids} and {num_instances}')
        self.num_ids = int(num_ids)
        self.num_instances = int(num_instances)
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.rank, self.world_size = get_dist_info()
        labels = np.asarray([
            int(dataset.get_data_info(i)['gt_label'])
            for i in range(len(dataset))
        ])
        order = np.argsort(labels, kind='stable')
        ids, starts = np.unique(labels[order], return_index=True)
        self.groups = np.split(order, starts[1:])
        if len(ids) < self.num_ids:
            raise ValueError(f'PKSampler needs at least num_ids={num_ids} '
                             f'identities, the dataset has {len(ids)}')
        self.epoch = 0
        self._cache = None

    def _batches(self) -> List[np.ndarray]:
        if self._cache is not None and self._cache[0] == self.epoch:
            return self._cache[1]
        rng = np.random.default_rng((self.seed, self.epoch))
        k = self.num_instances
        chunks = []
        for idx in self.groups:
            if len(idx) < k:
                idx = rng.choice(idx, k, replace=True)
            else:
                idx = rng.permutation(idx)
            chunks.append([idx[j:j + k] for j in range(0, len(idx) - k + 1,
                                                       k)])
        left = np.asarray([len(c) for c in chunks])
        batches = []
        while (left > 0).sum() >= self.num_ids:
            avail = np.flatnonzero(left > 0)
            pick = rng.choice(avail, self.num_ids, replace=False)
            left[pick] -= 1
            batches.append(np.concatenate(
                [chunks[p][left[p]] for p in pick]))
        batches = batches[self.rank::self.world_size]
        self._cache = (self.epoch, batches)
        return batches

    def __iter__(self) -> Iterator[int]:
        for batch in self._batches():
            yield from batch.tolist()

    def __len__(self) -> int:
        return sum(len(b) for b in self._batches())

    def set_epoch(self, epoch: int) -> None:
        """Draw the batches of ``epoch`` next."""
        self.epoch = epoch
