"""Install the qdtrack package (see tools/install.sh for the full stack)."""
from pathlib import Path

from setuptools import find_packages, setup


def read_requirements(name: str) -> list:
    lines = (Path(__file__).parent / 'requirements' / name).read_text()
    return [ln.strip() for ln in lines.splitlines()
            if ln.strip() and not ln.startswith('#')]


version = {}
exec((Path(__file__).parent / 'qdtrack' / 'version.py').read_text(), version)

setup(
    name='qdtrack',
    version=version['__version__'],
    description='Quasi-dense similarity learning for multiple object '
    'tracking on MMDetection 3.x',
    long_description=Path('README.md').read_text(encoding='utf-8')
    if Path('README.md').exists() else '',
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'data')),
    include_package_data=True,
    install_requires=read_requirements('runtime.txt'),
    extras_require={'tests': read_requirements('tests.txt')},
    zip_safe=False,
)
