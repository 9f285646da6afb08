"""Our modules live in the 'qdtrack' scope beside mmdet's own."""
from mmengine.registry import DefaultScope

from qdtrack import register_all_modules
from qdtrack.registry import DATASETS, METRICS, MODELS


def test_scope_and_parent():
    assert MODELS.scope == 'qdtrack'
    assert MODELS.parent.scope == 'mmdet'
    assert DATASETS.get('CocoVideoDataset') is not None


def test_mmdet_tracking_classes_buildable_beside_ours():
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'qdtrack'
    ours = MODELS.build(dict(type='SORTTracker'))
    theirs = MODELS.build(dict(type='mmdet.SORTTracker'))
    assert type(ours).__module__.startswith('qdtrack.')
    assert type(theirs).__module__.startswith('mmdet.')
    mmdet_qd = MODELS.get('mmdet.QuasiDenseTracker')
    assert mmdet_qd.__module__.startswith('mmdet.')
    # mmdet classes we do not override resolve through the parent registry.
    assert MODELS.get('TrackDataPreprocessor').__module__.startswith('mmdet')
    assert METRICS.get('MOTChallengeMetric').__module__.startswith('qdtrack')
    assert METRICS.get('mmdet.MOTChallengeMetric').__module__.startswith(
        'mmdet')
