"""tools/install.sh's uncached mmcv build, run for real against stand-ins.

The real build takes 11 minutes, so pip is pointed (``PIP_NO_INDEX``,
``PIP_FIND_LINKS``) at a folder of tiny stand-in packages: ``torch``,
``numpy``, ``wheel`` and ``ninja`` wheels, and an ``mmcv==2.1.0`` source
distribution whose in-tree PEP 517 backend records the interpreter that
built it. Everything else is the script as a new user runs it: a HOME
without ``.cache``, no active environment, a checkout path with spaces,
started from another directory.
"""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# Shared by the test (stand-in wheels) and the stand-in mmcv's build backend.
WHEEL_WRITER = textwrap.dedent('''\
    import base64
    import hashlib
    import zipfile


    def write_wheel(folder, name, version, files):
        """Writes a pure-Python wheel of ``files`` {path: text}; its path."""
        info = f'{name}-{version}.dist-info'
        files = dict(files)
        files[f'{info}/METADATA'] = (
            f'Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n')
        files[f'{info}/WHEEL'] = (
            'Wheel-Version: 1.0\\nGenerator: test\\n'
            'Root-Is-Purelib: true\\nTag: py3-none-any\\n')
        record = []
        for path, text in files.items():
            digest = base64.urlsafe_b64encode(
                hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()
            record.append(f'{path},sha256={digest},{len(text.encode())}')
        record.append(f'{info}/RECORD,,')
        files[f'{info}/RECORD'] = '\\n'.join(record) + '\\n'
        basename = f'{name}-{version}-py3-none-any.whl'
        with zipfile.ZipFile(f'{folder}/{basename}', 'w') as zf:
            for path, text in files.items():
                zf.writestr(path, text)
        return basename
''')

BACKEND = WHEEL_WRITER + textwrap.dedent('''

    import os
    import sys
    import time


    def build_wheel(wheel_directory, config_settings=None,
                    metadata_directory=None):
        with open(os.environ['STANDIN_BUILD_MARKER'], 'a') as f:
            f.write(f"{sys.executable} {os.environ.get('MMCV_WITH_OPS')}\\n")
        for step in (1, 2):
            print(f'[{step}/2] c++ -c ops_{step}.cpp', flush=True)
            time.sleep(1)
        return write_wheel(wheel_directory, 'mmcv', '2.1.0', {
            'mmcv/__init__.py': "__version__ = '2.1.0'\\n",
            'mmcv/ops/__init__.py': '',
        })
''')


def _write_wheel(folder, name, version, files):
    namespace = {}
    exec(WHEEL_WRITER, namespace)
    return namespace['write_wheel'](str(folder), name, version, files)


def _stand_ins(folder):
    """Wheels for torch, numpy, wheel and ninja, and an mmcv sdist."""
    folder.mkdir()
    _write_wheel(folder, 'torch', '2.13.0',
                 {'torch/__init__.py': "__version__ = '2.13.0'\n"})
    for name in ('numpy', 'wheel', 'ninja'):
        _write_wheel(folder, name, '1.0', {f'{name}_standin.py': ''})
    src = folder / 'src' / 'mmcv-2.1.0'
    src.mkdir(parents=True)
    (src / 'standin_backend.py').write_text(BACKEND)
    (src / 'pyproject.toml').write_text(
        '[build-system]\nrequires = []\n'
        'build-backend = "standin_backend"\nbackend-path = ["."]\n')
    (src / 'PKG-INFO').write_text(
        'Metadata-Version: 2.1\nName: mmcv\nVersion: 2.1.0\n')
    with tarfile.open(folder / 'mmcv-2.1.0.tar.gz', 'w:gz') as tar:
        tar.add(src, arcname='mmcv-2.1.0')
    shutil.rmtree(folder / 'src')


def _checkout(path):
    """The files tools/install.sh needs, at ``path``."""
    (path / 'tools').mkdir(parents=True)
    shutil.copy(osp.join(ROOT, 'tools', 'install.sh'), path / 'tools')
    shutil.copytree(osp.join(ROOT, 'requirements'), path / 'requirements')
    shutil.copy(osp.join(ROOT, 'setup.py'), path)


def _run_install(checkout, cwd, env):
    return subprocess.run(
        ['bash', str(checkout / 'tools' / 'install.sh'), '--mmcv-only'],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def sandbox(tmp_path):
    """A checkout with spaces in its path, a bare HOME and stand-in pip."""
    checkout = tmp_path / 'my projects' / 'qd track'
    _checkout(checkout)
    _stand_ins(tmp_path / 'links')
    home = tmp_path / 'home'
    home.mkdir()
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('PIP_', 'QDTRACK_'))
           and k not in ('VIRTUAL_ENV', 'CONDA_PREFIX', 'PYTHONPATH')}
    env.update(
        HOME=str(home), PIP_NO_INDEX='1', PIP_CONFIG_FILE=os.devnull,
        PIP_FIND_LINKS=str(tmp_path / 'links'), PIP_NO_CACHE_DIR='1',
        STANDIN_BUILD_MARKER=str(tmp_path / 'builds.txt'),
        # A venv made from the interpreter that runs the tests.
        PYTHON=getattr(sys, '_base_executable', sys.executable))
    return checkout, elsewhere, env, tmp_path / 'builds.txt'


def test_uncached_build_uses_the_venv_python_and_fills_the_cache(sandbox):
    checkout, elsewhere, env, builds = sandbox
    proc = _run_install(checkout, elsewhere, env)
    assert proc.returncode == 0, proc.stderr
    venv_python = checkout / '.venv' / 'bin' / 'python'
    # The build ran once, with the new venv's interpreter and the ops on.
    assert builds.read_text().splitlines() == [f'{venv_python} 1']
    wheel_dir = (checkout.parent.parent / 'home' / '.cache' / 'qdtrack' /
                 'wheels' /
                 f'torch-2.13.0-cp{sys.version_info[0]}{sys.version_info[1]}')
    assert [p.name for p in wheel_dir.iterdir()] == [
        'mmcv-2.1.0-py3-none-any.whl']
    # The user was told how long it takes, and saw progress.
    assert re.search(r'once per machine, about \d+ min on \d+ cores',
                     proc.stderr)
    # (the first line may come a second late on a busy machine)
    assert re.search(r'building mmcv: 0:0\d elapsed, compiled \[(0/\?|\d/2)\]',
                     proc.stderr)
    build_log = wheel_dir.parent.parent / 'mmcv-build.log'
    assert '[2/2] c++ -c ops_2.cpp' in build_log.read_text()
    subprocess.run([str(venv_python), '-c', 'import mmcv.ops'], check=True)


@pytest.mark.parametrize('variable', ['VIRTUAL_ENV', 'CONDA_PREFIX'])
def test_cached_wheel_goes_into_the_active_environment(sandbox, variable):
    checkout, elsewhere, env, builds = sandbox
    assert _run_install(checkout, elsewhere, env).returncode == 0
    # A user's own environment, activated (a conda env is a prefix with
    # bin/python too): the cached wheel, no second build.
    own = elsewhere / 'own env'
    subprocess.run([env['PYTHON'], '-m', 'venv', str(own)], check=True)
    active = {variable: str(own),
              'PATH': f"{own / 'bin'}{os.pathsep}{env['PATH']}"}
    active = dict(env, **active)
    proc = _run_install(checkout, elsewhere, active)
    assert proc.returncode == 0, proc.stderr
    assert f'using the active environment: {own}/bin/python' in proc.stderr
    assert len(builds.read_text().splitlines()) == 1
    assert 'building mmcv' not in proc.stderr
    subprocess.run([str(own / 'bin' / 'python'), '-c', 'import mmcv.ops'],
                   check=True)


def test_unknown_option_is_refused(sandbox):
    checkout, elsewhere, env, _ = sandbox
    proc = subprocess.run(
        ['bash', str(checkout / 'tools' / 'install.sh'), '--test'],
        cwd=elsewhere, env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'usage: bash tools/install.sh' in proc.stderr


def _requirement_lines(path):
    """Requirement lines of ``path`` with its ``-r`` includes resolved."""
    lines = []
    for line in open(path).read().splitlines():
        line = line.split('#')[0].strip()
        if line.startswith('-r '):
            lines += _requirement_lines(
                osp.join(osp.dirname(path), line[3:].strip()))
        elif line:
            lines.append(line)
    return lines


def test_top_level_requirements_are_runtime_and_tests_without_mmcv():
    top = _requirement_lines(osp.join(ROOT, 'requirements.txt'))
    parts = [_requirement_lines(osp.join(ROOT, 'requirements', name))
             for name in ('runtime.txt', 'tests.txt')]
    assert top == parts[0] + parts[1]
    assert not [r for r in top if r.lower().startswith(('mmcv', 'torch'))]
