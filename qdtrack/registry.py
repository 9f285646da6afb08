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
# Registries we add nothing to yet: children exist so that lookups under the
# 'qdtrack' default scope resolve without mmengine's fallback warning.
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             mmdet_registry.RUNNER_CONSTRUCTORS,
                             'qdtrack.engine')
MODEL_WRAPPERS = _child('model_wrapper', mmdet_registry.MODEL_WRAPPERS,
                        'qdtrack.models')
WEIGHT_INITIALIZERS = _child('weight initializer',
                             mmdet_registry.WEIGHT_INITIALIZERS,
                             'qdtrack.models')
OPTIMIZERS = _child('optimizer', mmdet_registry.OPTIMIZERS, 'qdtrack.engine')
OPTIM_WRAPPERS = _child('optim_wrapper', mmdet_registry.OPTIM_WRAPPERS,
                        'qdtrack.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    'optimizer wrapper constructor',
    mmdet_registry.OPTIM_WRAPPER_CONSTRUCTORS, 'qdtrack.engine')
PARAM_SCHEDULERS = _child('parameter scheduler',
                          mmdet_registry.PARAM_SCHEDULERS, 'qdtrack.engine')
EVALUATOR = _child('evaluator', mmdet_registry.EVALUATOR,
                   'qdtrack.evaluation')
VISBACKENDS = _child('vis_backend', mmdet_registry.VISBACKENDS,
                     'qdtrack.engine')
LOG_PROCESSORS = _child('log_processor', mmdet_registry.LOG_PROCESSORS,
                        'qdtrack.engine')
