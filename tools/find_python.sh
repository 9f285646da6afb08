#!/usr/bin/env bash
# The project's interpreter, for the shell tools (source this file):
#   qdtrack_python ROOT   prints the first of $PYTHON, the active virtualenv's
#   ($VIRTUAL_ENV/bin/python), the active conda env's ($CONDA_PREFIX/bin/python),
#   ROOT/.venv/bin/python (what tools/install.sh creates), python3.
qdtrack_python() {
    local root=$1
    if [ -n "${PYTHON:-}" ]; then
        echo "$PYTHON"
    elif [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
        echo "$VIRTUAL_ENV/bin/python"
    elif [ -n "${CONDA_PREFIX:-}" ] && [ -x "$CONDA_PREFIX/bin/python" ]; then
        echo "$CONDA_PREFIX/bin/python"
    elif [ -x "$root/.venv/bin/python" ]; then
        echo "$root/.venv/bin/python"
    else
        echo python3
    fi
}
