"""Every test runs under the 'qdtrack' default scope.

mmengine keeps the default scope in a process-wide singleton, and a Runner
built in one test (e.g. with ``default_scope='mmengine'``) would otherwise
leave it set for the tests after it, so that ``METRICS.build`` or
``MODELS.build`` would look in the wrong registry tree.
"""
import pytest
from mmengine.registry import DefaultScope

from qdtrack import register_all_modules

register_all_modules(init_default_scope=False)


@pytest.fixture(autouse=True)
def qdtrack_default_scope():
    with DefaultScope.overwrite_default_scope('qdtrack'):
        yield
