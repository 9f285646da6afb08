#!/usr/bin/env bash
# Install what is missing for qdtrack, idempotently.
#
#   bash tools/install.sh [--tests]
#
# Environment: the active virtualenv/conda env if there is one (a GPU user's
# own CUDA torch is kept), otherwise ./.venv (or $QDTRACK_VENV), created here.
# mmcv 2.1.0 is built once from source with its compiled ops and the wheel is
# cached in $QDTRACK_CACHE (default ~/.cache/qdtrack), keyed by the Python
# and torch versions; later installs on the same machine reuse it.
set -euo pipefail

cd "$(dirname "$0")/.."
WITH_TESTS=0
[ "${1:-}" = "--tests" ] && WITH_TESTS=1

CACHE="${QDTRACK_CACHE:-$HOME/.cache/qdtrack}"
TORCH_VERSION="${QDTRACK_TORCH:-2.13.0}"
MMCV_VERSION=2.1.0
log() { printf '[install] %s\n' "$*" >&2; }

# 1. The Python environment.
if [ -n "${VIRTUAL_ENV:-}" ] || [ -n "${CONDA_PREFIX:-}" ]; then
  PY=python
  log "using the active environment: $(command -v python)"
else
  VENV="${QDTRACK_VENV:-.venv}"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
  fi
  PY="$VENV/bin/python"
fi
PIP=("$PY" -m pip --disable-pip-version-check -q)

# 2. torch: keep any installed build (CUDA users install theirs first).
if ! "$PY" -c 'import torch' 2>/dev/null; then
  log "installing torch==$TORCH_VERSION"
  "${PIP[@]}" install "torch==$TORCH_VERSION" numpy
fi
TORCH_INSTALLED=$("$PY" -c 'import torch; print(torch.__version__)')
PY_TAG=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')

# 3. mmcv with compiled ops, from the cached wheel or built once.
if ! "$PY" -c 'import mmcv, mmcv.ops' 2>/dev/null; then
  WHEEL_DIR="$CACHE/wheels/torch-${TORCH_INSTALLED}-${PY_TAG}"
  WHEEL=$(ls "$WHEEL_DIR"/mmcv-${MMCV_VERSION}-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$WHEEL" ]; then
    log "building mmcv==$MMCV_VERSION with ops (once per machine, ~11 min on 2 cores)"
    "${PIP[@]}" install -r requirements/build.txt numpy
    BUILD_DIR=$(mktemp -d)
    trap 'rm -rf "$BUILD_DIR"' EXIT
    (cd "$BUILD_DIR" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "$PY" -m pip --disable-pip-version-check wheel --no-deps \
      --no-build-isolation "mmcv==$MMCV_VERSION" -w "$BUILD_DIR/out")
    mkdir -p "$WHEEL_DIR"
    for w in "$BUILD_DIR"/out/mmcv-*.whl; do
      cp "$w" "$WHEEL_DIR/.$(basename "$w").tmp"
      mv "$WHEEL_DIR/.$(basename "$w").tmp" "$WHEEL_DIR/$(basename "$w")"
    done
    WHEEL=$(ls "$WHEEL_DIR"/mmcv-${MMCV_VERSION}-*.whl | head -n1)
    # torch needs a newer setuptools than the mmcv build does.
    "${PIP[@]}" install --upgrade "setuptools>=77.0.3"
  fi
  log "installing $(basename "$WHEEL")"
  "${PIP[@]}" install --no-deps "$WHEEL"
fi

# 4. The rest, skipped when nothing changed since the last install.
REQS=(requirements/runtime.txt)
[ "$WITH_TESTS" = 1 ] && REQS+=(requirements/tests.txt)
STAMP_KEY=$(cat "${REQS[@]}" setup.py | sha256sum | cut -c1-16)
STAMP=$("$PY" -c 'import sys; print(sys.prefix)')/.qdtrack-install-$STAMP_KEY
if [ ! -f "$STAMP" ] || ! "$PY" -c 'import qdtrack' 2>/dev/null; then
  log "installing requirements: ${REQS[*]}"
  for r in "${REQS[@]}"; do "${PIP[@]}" install -r "$r"; done
  "${PIP[@]}" install --no-deps --no-build-isolation -e .
  "$PY" -c 'import mmcv.ops, mmdet, qdtrack' || {
    log "the installed stack does not import"; exit 1; }
  touch "$STAMP"
fi
log "ready: $("$PY" -c 'import torch, mmcv, mmdet, mmengine; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, mmdet {mmdet.__version__}")')"
