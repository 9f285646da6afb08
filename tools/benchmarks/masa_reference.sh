#!/usr/bin/env bash
# Run tools/benchmarks/bench_masa_inference.py against the public MASA code
# (siyuanliii/masa: Li et al., "Matching Anything by Segmenting Anything",
# CVPR 2024), which it imports at run time from a checkout.
#
# The code is not on PyPI and not vendored here, and this script fetches
# nothing: clone it first, e.g.
#   git clone https://github.com/siyuanliii/masa /tmp/masa
#   git -C /tmp/masa checkout e302032   # the commit the documented numbers use
#
# Usage:
#   bash tools/benchmarks/masa_reference.sh MASA_CHECKOUT [BENCH ARGS...]
# e.g.
#   bash tools/benchmarks/masa_reference.sh /tmp/masa --frames 3 --repeats 3
#   bash tools/benchmarks/masa_reference.sh /tmp/masa --size 640 480
#
# It needs nothing beyond the qdtrack environment: the public files use
# mmcv 2.1, mmdet 3.3 and mmengine (einops, imported but unused by the
# modules the benchmark builds, gets an empty stand-in when missing); the
# checkout is not installed and its files are not changed. Set PYTHON to
# choose the interpreter (default: python).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 MASA_CHECKOUT [BENCH ARGS...]" >&2
    exit 2
fi
MASA=$(cd "$1" && pwd)
shift
PYTHON=${PYTHON:-python}
TESTED=e302032912adf2b8aacb01bfcf23fe61c7f658c0

for f in masa/models/necks/deform_fusion.py masa/models/mot/masa.py \
        masa/models/losses/unbiased_contrastive_loss.py \
        configs/masa-one/masa_r50_plug_and_play.py \
        configs/default_runtime.py; do
    if [ ! -f "$MASA/$f" ]; then
        echo "error: $MASA is not a siyuanliii/masa checkout (no $f)" >&2
        exit 1
    fi
done
COMMIT=$(git -C "$MASA" rev-parse HEAD 2>/dev/null || echo unknown)
echo "public MASA checkout $MASA at commit $COMMIT"
if [ "$COMMIT" != "$TESTED" ]; then
    echo "note: the documented numbers use commit $TESTED" >&2
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" exec "$PYTHON" \
    tools/benchmarks/bench_masa_inference.py --reference "$MASA" "$@"
