"""Arguments of mmdet 3.3's ``QuasiDenseTracker`` that match our manager.

:data:`MMDET_ARG_ALIASES` lets :class:`QuasiDenseTrackManager` take the
argument names of mmdet's ``QuasiDenseTracker`` (and of the public QDTrack
``QuasiDenseEmbedTracker``), so that ported configs work;
:func:`mmdet_tracker_kwargs` goes the other way for the equivalence tests and
the peer benchmarks, which run both trackers on the same inputs.
"""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .quasi_dense_track_manager import QuasiDenseTrackManager

#: mmdet's name of an argument -> ours; the other arguments of mmdet's
#: ``QuasiDenseTracker`` (``init_score_thr``, ``obj_score_thr``,
#: ``match_score_thr``, ``memo_momentum``, ``nms_conf_thr``,
#: ``nms_backdrop_iou_thr``, ``nms_class_iou_thr``, ``with_cats``,
#: ``match_metric``) have the same name and meaning here.
MMDET_ARG_ALIASES = dict(
    memo_tracklet_frames='num_frames_retain',
    memo_backdrop_frames='num_frames_backdrop')


def resolve_alias(name: str, value, alias: str, alias_value, default):
    """The value of an argument that may also come under its mmdet name.

    Args:
        name (str): Our argument name.
        value: Its value, None when not given.
        alias (str): mmdet's name of the argument.
        alias_value: Value given under ``alias``, None when not given.
        default: Value when neither is given.

    Returns:
        The given value, or ``default``.

    Raises:
        ValueError: Both names given with different values.
    """
    if value is None:
        return default if alias_value is None else alias_value
    if alias_value is not None and alias_value != value:
        raise ValueError(f'{name}={value!r} and its mmdet alias '
                         f'{alias}={alias_value!r} disagree; give one')
    return value

# options of our track manager that mmdet's QuasiDenseTracker lacks, with
# the values that make both behave alike
_EXTRAS_AS_MMDET = dict(
    score_momentum=1.0,
    nms_with_cats=False,
    mask_cats_before_softmax=False,
    match_method='greedy',
    max_distance=-1)


def mmdet_tracker_kwargs(manager: 'QuasiDenseTrackManager') -> dict:
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
    kwargs = {
        theirs: getattr(manager, ours)
        for theirs, ours in MMDET_ARG_ALIASES.items()
    }
    return dict(
        init_score_thr=manager.init_score_thr,
        obj_score_thr=manager.obj_score_thr,
        match_score_thr=manager.match_score_thr,
        **kwargs,
        memo_momentum=manager.memo_momentum,
        nms_conf_thr=manager.nms_conf_thr,
        nms_backdrop_iou_thr=manager.nms_backdrop_iou_thr,
        nms_class_iou_thr=manager.nms_class_iou_thr,
        with_cats=manager.with_cats,
        match_metric=manager.match_metric)
