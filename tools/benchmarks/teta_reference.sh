#!/usr/bin/env bash
# Create a separate virtual environment holding the authors' TETA code
# (SysCV/tet, folder teta/: Li et al., "Tracking Every Thing in the Wild",
# ECCV 2022), to cross-check qdtrack's own TETA
# (qdtrack/evaluation/functional/teta.py).
#
# The code is not on PyPI and not vendored here: clone it first, e.g.
#   git clone https://github.com/SysCV/tet /tmp/tet
#   git -C /tmp/tet checkout a62a9c0   # the commit the pinned numbers use
#
# Usage:
#   bash tools/benchmarks/teta_reference.sh TET_CHECKOUT [VENV_DIR]
#
# VENV_DIR defaults to $QDTRACK_TETA_REF_VENV, else
# ~/.cache/qdtrack/teta-ref-venv. Set PYTHON to choose the interpreter
# (default: python3). The environment gets numpy and scipy (the code's only
# requirements; its setup.py also names script_utils from GitHub, which the
# metric does not import) and a .pth file pointing at TET_CHECKOUT/teta.
#
# Then score TAO results with it:
#   VENV_DIR/bin/python tools/benchmarks/teta_reference_run.py \
#       GT.json RESULTS.json OUT.json
# (tests/evaluation/test_teta_reference.py runs that live when VENV_DIR
# exists).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 TET_CHECKOUT [VENV_DIR]" >&2
    exit 2
fi
TET=$(cd "$1" && pwd)
VENV_DIR=${2:-${QDTRACK_TETA_REF_VENV:-$HOME/.cache/qdtrack/teta-ref-venv}}
PYTHON=${PYTHON:-python3}

if [ ! -f "$TET/teta/teta/metrics/teta.py" ]; then
    echo "error: $TET is not a SysCV/tet checkout (no teta/teta/metrics/teta.py)" >&2
    exit 1
fi

if [ ! -x "$VENV_DIR/bin/python" ]; then
    "$PYTHON" -m venv "$VENV_DIR"
fi
"$VENV_DIR/bin/python" -m pip install --quiet numpy scipy
SITE=$("$VENV_DIR/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$TET/teta" > "$SITE/tet_teta.pth"
"$VENV_DIR/bin/python" - <<'PY'
import numpy, scipy
from teta.metrics import TETA  # noqa: F401
print('numpy', numpy.__version__, '| scipy', scipy.__version__)
PY
echo "commit $(git -C "$TET" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "TETA reference environment ready in $VENV_DIR"
