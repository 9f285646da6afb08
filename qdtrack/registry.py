"""Registries of the ``qdtrack`` scope.

Every registry is a child of MMDetection's, so a config with
``default_scope='qdtrack'`` finds our modules first and falls back to mmdet's
(and mmengine's) for everything we do not override. mmdet's own tracking
classes therefore stay buildable beside ours, e.g. ``type='mmdet.QDTrack'``.
"""
from mmdet import registry as mmdet_registry
from mmengine.registry import Registry


def _child(name: str, parent: Registry, location: str) -> Registry:
    return Registry(name, parent=parent, scope='qdtrack', locations=[location])


RUNNERS = _child('runner', mmdet_registry.RUNNERS, 'qdtrack.engine')
LOOPS = _child('loop', mmdet_registry.LOOPS, 'qdtrack.engine')
HOOKS = _child('hook', mmdet_registry.HOOKS, 'qdtrack.engine')
DATASETS = _child('dataset', mmdet_registry.DATASETS, 'qdtrack.datasets')
DATA_SAMPLERS = _child('data sampler', mmdet_registry.DATA_SAMPLERS,
                       'qdtrack.datasets')
TRANSFORMS = _child('transform', mmdet_registry.TRANSFORMS,
                    'qdtrack.datasets.transforms')
MODELS = _child('model', mmdet_registry.MODELS, 'qdtrack.models')
TASK_UTILS = _child('task util', mmdet_registry.TASK_UTILS, 'qdtrack.models')
METRICS = _child('metric', mmdet_registry.METRICS, 'qdtrack.evaluation')
VISUALIZERS = _child('visualizer', mmdet_registry.VISUALIZERS,
                     'qdtrack.engine')
