"""Dataset wrappers that keep frame-level indexing of video datasets.

Video datasets are sampled frame by frame: mmdet's ``TrackImgSampler``
yields ``(video index, frame index)`` pairs. mmengine's ``ConcatDataset``
and ``ClassBalancedDataset`` index by an integer, so in mmdet 3.3 neither
wrapper works under that sampler (the concatenation also restarts the video
index at 0 for every member dataset, and ``BaseVideoDataset.get_cat_ids``
wants a pair). The two wrappers here take pairs and tell
:class:`~qdtrack.datasets.samplers.TrackImgSampler` which pairs an epoch
holds (``frame_indices``).

- :class:`VideoConcatDataset`: e.g. BDD100K box tracking + the 100k
  detection images as one-frame videos (the QDTrack paper's BDD100K
  training set).
- :class:`ClassBalancedVideoDataset`: repeat-factor sampling of frames
  (LVIS, Gupta et al. 2019), as the public QDTrack TAO recipe does with
  ``ClassBalancedDataset(oversample_thr=1e-3)`` over TAO's frames.
"""
import bisect
import math
from typing import List, Sequence, Tuple, Union

from mmengine.dataset import ConcatDataset

from qdtrack.registry import DATASETS

FrameIndex = Tuple[int, int]


def _build(dataset):
    return DATASETS.build(dataset) if isinstance(dataset, dict) else dataset


def _all_frames(dataset) -> List[FrameIndex]:
    return [(v, f) for v in range(len(dataset))
            for f in range(dataset.get_len_per_video(v))]


@DATASETS.register_module()
class VideoConcatDataset(ConcatDataset):
    """Concatenate video datasets; videos are numbered across all of them.

    Args:
        datasets (Sequence[dict | BaseVideoDataset]): The datasets, built
            from configs when given as dicts. Their ``metainfo`` must agree
            except for ``ignore_keys``.
        lazy_init (bool): See :class:`mmengine.dataset.ConcatDataset`.
        ignore_keys (str | list[str], optional): Metainfo keys allowed to
            differ.
    """

    def __init__(self,
                 datasets: Sequence[Union[dict, object]],
                 lazy_init: bool = False,
                 ignore_keys=None) -> None:
        super().__init__([_build(d) for d in datasets],
                         lazy_init=lazy_init, ignore_keys=ignore_keys)

    @property
    def test_mode(self) -> bool:
        return self.datasets[0].test_mode

    def locate(self, video_idx: int) -> Tuple[int, int]:
        """(member dataset, its video index) of a global video index."""
        if not 0 <= video_idx < len(self):
            raise IndexError(f'video index {video_idx} out of range for '
                             f'{len(self)} videos')
        ds = bisect.bisect_right(self.cumulative_sizes, video_idx)
        start = self.cumulative_sizes[ds - 1] if ds else 0
        return ds, video_idx - start

    def get_len_per_video(self, video_idx: int) -> int:
        ds, idx = self.locate(video_idx)
        return self.datasets[ds].get_len_per_video(idx)

    def get_data_info(self, idx: int) -> dict:
        ds, local = self.locate(idx)
        return self.datasets[ds].get_data_info(local)

    def frame_indices(self) -> List[FrameIndex]:
        """Every (global video, frame) pair once."""
        return _all_frames(self)

    def __getitem__(self, idx):
        if isinstance(idx, (tuple, list)):
            video_idx, frame_idx = idx
            ds, local = self.locate(int(video_idx))
            return self.datasets[ds][(local, frame_idx)]
        return super().__getitem__(idx)


@DATASETS.register_module()
class ClassBalancedVideoDataset:
    """Repeat the frames of rare classes (repeat-factor sampling).

    For class ``c`` let ``f(c)`` be the fraction of frames holding a
    (non-ignored) box of ``c``; ``r(c) = max(1, sqrt(t / f(c)))`` with
    ``t = oversample_thr``; a frame is repeated ``ceil(max_c r(c))`` times
    per epoch (once when it has no box), the rounding of mmengine's
    ``ClassBalancedDataset``. The wrapper indexes like the wrapped dataset
    (``(video, frame)`` pairs); only the epoch's frame list changes.

    Args:
        dataset (dict | BaseVideoDataset): The dataset or its config.
        oversample_thr (float): ``t``; classes in fewer than this fraction
            of frames are oversampled.
    """

    def __init__(self, dataset, oversample_thr: float) -> None:
        if not 0 < oversample_thr <= 1:
            raise ValueError(f'oversample_thr must be in (0, 1], got '
                             f'{oversample_thr!r}')
        self.dataset = _build(dataset)
        self.oversample_thr = oversample_thr
        self._factors = None

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    @property
    def test_mode(self) -> bool:
        return self.dataset.test_mode

    def full_init(self) -> None:
        self.dataset.full_init()

    def __len__(self) -> int:
        return len(self.dataset)

    def get_len_per_video(self, video_idx: int) -> int:
        return self.dataset.get_len_per_video(video_idx)

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def __getitem__(self, idx):
        return self.dataset[idx]

    def _frame_classes(self) -> List[Tuple[FrameIndex, set]]:
        out = []
        for v in range(len(self.dataset)):
            frames = self.dataset.get_data_info(v)['images']
            for f, frame in enumerate(frames):
                labels = {
                    inst['bbox_label']
                    for inst in frame.get('instances', [])
                    if not inst.get('ignore_flag', 0)
                }
                out.append(((v, f), labels))
        return out

    def repeat_factors(self) -> List[Tuple[FrameIndex, float]]:
        """``((video, frame), r)`` of every frame, before rounding."""
        if self._factors is None:
            frames = self._frame_classes()
            counts = {}
            for _, labels in frames:
                for c in labels:
                    counts[c] = counts.get(c, 0) + 1
            num = max(1, len(frames))
            r_cls = {
                c: max(1.0, math.sqrt(self.oversample_thr / (n / num)))
                for c, n in counts.items()
            }
            self._factors = [(idx, max([r_cls[c] for c in labels],
                                       default=1.0))
                             for idx, labels in frames]
        return self._factors

    def frame_indices(self) -> List[FrameIndex]:
        """The epoch's (video, frame) pairs, each repeated ``ceil(r)``
        times."""
        out = []
        for idx, r in self.repeat_factors():
            out.extend([idx] * math.ceil(r))
        return out
