#!/usr/bin/env bash
# Install what is missing for qdtrack, idempotently.
#
#   bash tools/install.sh [--tests | --mmcv-only]
#
# Runs from any working directory. Environment: the active virtualenv/conda
# env if there is one (a GPU user's own CUDA torch is kept), otherwise
# ./.venv (or $QDTRACK_VENV), created here. mmcv 2.1.0 is built once from
# source with its compiled ops and the wheel is cached in $QDTRACK_CACHE
# (default ~/.cache/qdtrack), keyed by the Python and torch versions; later
# installs on the same machine reuse it. Relative QDTRACK_VENV and
# QDTRACK_CACHE paths are taken from the repository root.
#
#   --tests      also install the test requirements
#   --mmcv-only  only make sure torch and mmcv (with ops) are installed
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MODE=runtime
case "${1:-}" in
  "") ;;
  --tests) MODE=tests ;;
  --mmcv-only) MODE=mmcv ;;
  *) echo "usage: bash tools/install.sh [--tests | --mmcv-only]" >&2; exit 2 ;;
esac

# Every path below is absolute: the mmcv build runs in a temporary folder.
absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$ROOT" "$1" ;; esac; }
CACHE=$(absolute "${QDTRACK_CACHE:-$HOME/.cache/qdtrack}")
TORCH_VERSION="${QDTRACK_TORCH:-2.13.0}"
MMCV_VERSION=2.1.0
NPROC=$(nproc 2>/dev/null || echo 2)
log() { printf '[install] %s\n' "$*" >&2; }

# 1. The Python environment.
if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
  PY="$VIRTUAL_ENV/bin/python"
elif [ -n "${CONDA_PREFIX:-}" ] && [ -x "$CONDA_PREFIX/bin/python" ]; then
  PY="$CONDA_PREFIX/bin/python"
else
  VENV=$(absolute "${QDTRACK_VENV:-.venv}")
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
  fi
  PY="$VENV/bin/python"
fi
[ -n "${VIRTUAL_ENV:-}${CONDA_PREFIX:-}" ] && log "using the active environment: $PY"
PIP=("$PY" -m pip --disable-pip-version-check -q)

# 2. torch: keep any installed build (CUDA users install theirs first).
if ! "$PY" -c 'import torch' 2>/dev/null; then
  log "installing torch==$TORCH_VERSION"
  "${PIP[@]}" install "torch==$TORCH_VERSION" numpy
fi
TORCH_INSTALLED=$("$PY" -c 'import torch; print(torch.__version__)')
PY_TAG=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')

# Waits for process $1 while showing the elapsed time and the last compile
# step ("[k/n]") that the build wrote to log $2: in place on a terminal,
# a line every 30 s otherwise.
show_progress() {
  local pid=$1 build_log=$2 start=$SECONDS every=30 last=-30 step line
  [ -t 2 ] && every=1
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - last >= every )); then
      last=$SECONDS
      step=$(grep -oE '\[[0-9]+/[0-9]+\]' "$build_log" 2>/dev/null | tail -n 1 || true)
      line=$(printf 'building mmcv: %d:%02d elapsed, compiled %s' \
        $(( (SECONDS - start) / 60 )) $(( (SECONDS - start) % 60 )) "${step:-[0/?]}")
      if [ -t 2 ]; then printf '\r[install] %s ' "$line" >&2; else log "$line"; fi
    fi
    sleep 1
  done
  [ -t 2 ] && printf '\n' >&2
  return 0
}

# Builds the mmcv wheel with its ops into $1 (the cache), printing progress.
# pip's own wheel cache is bypassed: a wheel it kept from an isolated build
# (e.g. a plain `pip install mmcv==2.1.0`) has no ops.
build_mmcv_wheel() {
  local wheel_dir=$1 build_log setuptools_before pid w
  local estimate="about $(( (22 + NPROC - 1) / NPROC )) min on $NPROC cores"
  [ "$NPROC" = 2 ] || estimate="$estimate (11 min on 2)"
  log "building mmcv==$MMCV_VERSION with its compiled ops: once per machine, $estimate"
  setuptools_before=$("$PY" -c 'import importlib.metadata as m; print(m.version("setuptools"))' 2>/dev/null || true)
  "${PIP[@]}" install -r requirements/build.txt numpy
  BUILD_DIR=$(mktemp -d)  # global: the EXIT trap runs after this returns
  trap 'rm -rf "$BUILD_DIR"' EXIT
  mkdir -p "$CACHE"
  build_log="$CACHE/mmcv-build.log"
  log "build output: $build_log"
  (cd "$BUILD_DIR" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$NPROC}" \
    "$PY" -m pip --disable-pip-version-check wheel -v --no-deps \
    --no-cache-dir --no-build-isolation "mmcv==$MMCV_VERSION" \
    -w "$BUILD_DIR/out") \
    >"$build_log" 2>&1 &
  pid=$!
  show_progress "$pid" "$build_log"
  if ! wait "$pid"; then
    log "the mmcv build failed; the end of $build_log:"
    tail -n 30 "$build_log" >&2
    exit 1
  fi
  mkdir -p "$wheel_dir"
  for w in "$BUILD_DIR"/out/mmcv-*.whl; do
    cp "$w" "$wheel_dir/.$(basename "$w").tmp"
    mv "$wheel_dir/.$(basename "$w").tmp" "$wheel_dir/$(basename "$w")"
  done
  # The build needs setuptools<70 (mmcv's setup.py imports pkg_resources);
  # put back the version torch came with.
  if [ -n "$setuptools_before" ]; then
    "${PIP[@]}" install "setuptools==$setuptools_before"
  fi
}

# 3. mmcv with compiled ops, from the cached wheel or built once.
if ! "$PY" -c 'import mmcv, mmcv.ops' 2>/dev/null; then
  WHEEL_DIR="$CACHE/wheels/torch-${TORCH_INSTALLED}-${PY_TAG}"
  WHEEL=$(ls "$WHEEL_DIR"/mmcv-${MMCV_VERSION}-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$WHEEL" ]; then
    build_mmcv_wheel "$WHEEL_DIR"
    WHEEL=$(ls "$WHEEL_DIR"/mmcv-${MMCV_VERSION}-*.whl | head -n1)
  fi
  log "installing $(basename "$WHEEL") from $WHEEL_DIR"
  # with mmcv's own dependencies (opencv, mmengine, ...), at our pins
  "${PIP[@]}" install "$WHEEL" -c requirements/runtime.txt
  "$PY" -c 'import mmcv.ops' || { log "mmcv was installed but mmcv.ops does not import"; exit 1; }
fi
if [ "$MODE" = mmcv ]; then
  log "ready: $("$PY" -c 'import torch, mmcv; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}")')"
  exit 0
fi

# 4. The rest, skipped when nothing changed since the last install.
REQS=(requirements/runtime.txt)
[ "$MODE" = tests ] && REQS+=(requirements/tests.txt)
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
