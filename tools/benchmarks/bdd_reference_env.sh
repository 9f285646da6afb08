#!/usr/bin/env bash
# Create a separate virtual environment holding the official BDD100K box
# tracking evaluation (bdd100k 1.0.1 on scalabel 0.3.1 and py-motmetrics).
#
# Its pins clash with the qdtrack environment: motmetrics calls np.asfarray
# (gone in numpy 2) and scalabel 0.3.1 is written for pydantic 1. The
# environment is only used to cross-check qdtrack's own evaluator
# (tests/evaluation/test_bdd100k_eval.py runs it live when it exists).
#
# Usage:
#   bash tools/benchmarks/bdd_reference_env.sh [VENV_DIR]
#
# VENV_DIR defaults to $QDTRACK_BDD_REF_VENV, else
# ~/.cache/qdtrack/bdd100k-ref-venv. Set PYTHON to choose the interpreter
# (default: python3).
#
# Then evaluate, e.g.:
#   VENV_DIR/bin/python -m bdd100k.eval.run -t box_track -g GT_DIR \
#       -r RESULT_DIR --out-file scores.json --nproc 1
set -euo pipefail

VENV_DIR=${1:-${QDTRACK_BDD_REF_VENV:-$HOME/.cache/qdtrack/bdd100k-ref-venv}}
PYTHON=${PYTHON:-python3}

if [ -x "$VENV_DIR/bin/python" ] && \
   "$VENV_DIR/bin/python" -c 'import bdd100k.eval.run' 2>/dev/null; then
    echo "reference environment already in $VENV_DIR"
    exit 0
fi

"$PYTHON" -m venv "$VENV_DIR"
"$VENV_DIR/bin/python" -m pip install --quiet --upgrade pip
# Only scipy solves assignments inside motmetrics here (neither lap nor
# lapsolver is installed), the same solver qdtrack's evaluator uses.
"$VENV_DIR/bin/python" -m pip install --quiet \
    'bdd100k==1.0.1' 'scalabel==0.3.1' 'motmetrics==1.4.0' \
    'numpy<2' 'pandas<2.2' 'pydantic<2'
"$VENV_DIR/bin/python" - <<'PY'
import motmetrics
import numpy
import scalabel  # noqa: F401
import bdd100k.eval.run  # noqa: F401
from motmetrics import lap
print('numpy', numpy.__version__, '| motmetrics', motmetrics.__version__,
      '| assignment solver', lap.default_solver)
PY
echo "reference environment ready in $VENV_DIR"
