"""Frame sampler of video datasets, also over the video wrappers."""
import math
from typing import Optional, Sized

from mmdet.datasets.samplers import TrackImgSampler as MMDetTrackImgSampler
from mmengine.dist import get_dist_info, sync_random_seed

from qdtrack.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class TrackImgSampler(MMDetTrackImgSampler):
    """mmdet's ``TrackImgSampler`` that also drives the video wrappers.

    A dataset with a ``frame_indices()`` method
    (:class:`~qdtrack.datasets.video_wrappers.VideoConcatDataset`,
    :class:`~qdtrack.datasets.video_wrappers.ClassBalancedVideoDataset`)
    gives the epoch's ``(video, frame)`` pairs itself; they are shuffled
    and split over ranks as mmdet does for training. Every other dataset
    goes through mmdet's sampler unchanged (configs name it
    ``TrackImgSampler`` either way; the ``qdtrack`` scope finds this one).

    Args:
        dataset (Sized): The dataset.
        seed (int, optional): Shuffling seed, the same on every rank.
    """

    def __init__(self, dataset: Sized, seed: Optional[int] = None) -> None:
        if not hasattr(dataset, 'frame_indices'):
            super().__init__(dataset, seed)
            return
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0
        self.seed = sync_random_seed() if seed is None else seed
        self.dataset = dataset
        self.test_mode = bool(getattr(dataset, 'test_mode', False))
        if self.test_mode:
            raise ValueError(f'{type(dataset).__name__} is for training; '
                             'test with the plain dataset')
        self.indices = list(dataset.frame_indices())
        self.num_samples = int(
            math.ceil(len(self.indices) / self.world_size))
        self.total_size = self.num_samples * self.world_size
