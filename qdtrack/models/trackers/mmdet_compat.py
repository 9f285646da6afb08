"""Arguments of mmdet 3.3's ``QuasiDenseTracker`` that match our manager.

Used by the equivalence tests and the peer benchmarks, which run both
trackers on the same inputs.
"""
from .quasi_dense_track_manager import QuasiDenseTrackManager

# options of our track manager that mmdet's QuasiDenseTracker lacks, with
# the values that make both behave alike
_EXTRAS_AS_MMDET = dict(
    score_momentum=1.0,
    nms_with_cats=False,
    mask_cats_before_softmax=False,
    match_method='greedy')


def mmdet_tracker_kwargs(manager: QuasiDenseTrackManager) -> dict:
    """Keyword arguments of mmdet's ``QuasiDenseTracker`` set like ours.

    Args:
        manager (QuasiDenseTrackManager): Our built track manager.

    Returns:
        dict: Arguments for ``mmdet.models.trackers.QuasiDenseTracker``
        (no ``type`` key).

    Raises:
        ValueError: If ``manager`` uses an option mmdet's tracker lacks.
    """
    for name, value in _EXTRAS_AS_MMDET.items():
        if getattr(manager, name) != value:
            raise ValueError(f'mmdet.QuasiDenseTracker has no {name}='
                             f'{getattr(manager, name)!r}')
    if manager.nms_score_thr != manager.obj_score_thr:
        raise ValueError('mmdet.QuasiDenseTracker has no nms_score_thr')
    return dict(
        init_score_thr=manager.init_score_thr,
        obj_score_thr=manager.obj_score_thr,
        match_score_thr=manager.match_score_thr,
        memo_tracklet_frames=manager.num_frames_retain,
        memo_backdrop_frames=manager.num_frames_backdrop,
        memo_momentum=manager.memo_momentum,
        nms_conf_thr=manager.nms_conf_thr,
        nms_backdrop_iou_thr=manager.nms_backdrop_iou_thr,
        nms_class_iou_thr=manager.nms_class_iou_thr,
        with_cats=manager.with_cats,
        match_metric=manager.match_metric)
