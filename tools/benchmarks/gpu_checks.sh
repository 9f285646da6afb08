#!/usr/bin/env bash
# Real-size checks on one CUDA GPU (issue 14, item 6):
#   1. one epoch of the MOT17 R50 config (paper settings: 1088 scale, batch
#      2, SGD lr 0.02, ignore regions) on toy videos rendered at 1088x608;
#   2. inference speed of the paper's test setting (R-50-FPN, 1088x608
#      frames; paper: 20.3 fps on a V100), ours vs mmdet's QDTrack;
#   3. the CUDA tests (track manager on CUDA, RoIAlign fallback, model).
# The machine needs no network: weights are randomly initialised.
#
# Usage (from the repository root):
#   bash tools/benchmarks/gpu_checks.sh [--dry-run] [OUT_DIR]
# OUT_DIR defaults to work_dirs/gpu_checks; each step logs to
# OUT_DIR/<step>.log and a summary goes to OUT_DIR/summary.txt.
# --dry-run runs the same steps on the CPU with tiny inputs (160x96 frames,
# 3 frames per video, 1 timed pass) to check the script itself.
# Set PYTHON to choose the interpreter (default: python).
set -euo pipefail

DRY=0
if [ "${1:-}" = "--dry-run" ]; then
    DRY=1
    shift
fi
OUT=${1:-work_dirs/gpu_checks}
PY=${PYTHON:-python}
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$PWD
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
STATUS=0

if [ $DRY = 1 ]; then
    W=160 H=96 FRAMES=3 DEVICE=cpu REPEATS=1 BENCH_FRAMES=2
    SCALE="(160,160)"
else
    W=1088 H=608 FRAMES=40 DEVICE=cuda REPEATS=3 BENCH_FRAMES=50
    SCALE="(1088,1088)"
    "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "no CUDA device")'
fi

step() {  # name, command...
    local name=$1
    shift
    local start=$SECONDS
    if "$@" > "$OUT/$name.log" 2>&1; then
        echo "$name: ok ($((SECONDS - start)) s)" | tee -a "$SUMMARY"
    else
        echo "$name: FAILED ($((SECONDS - start)) s), see $OUT/$name.log" \
            | tee -a "$SUMMARY"
        tail -n 20 "$OUT/$name.log"
        return 1
    fi
}

# 1. toy videos at 1088x608 and one epoch of the MOT17 config
rm -rf "$OUT/toy"
step toy "$PY" tools/generate_toy.py "$OUT/toy" --num-train 2 --num-val 0 \
    --num-frames $FRAMES --width $W --height $H --no-progress || STATUS=1
MOT17=configs/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_mot17halftrain_test-mot17halfval.py
step train_epoch "$PY" tools/train.py $MOT17 --work-dir "$OUT/train" \
    --cfg-options \
    train_dataloader.dataset.data_root="$OUT/toy/" \
    train_dataloader.dataset.ann_file=annotations/train_cocoformat.json \
    train_dataloader.batch_size=2 train_dataloader.num_workers=2 \
    train_dataloader.persistent_workers=False \
    "train_dataloader.dataset.pipeline.1.transforms.2.scale=$SCALE" \
    "train_dataloader.dataset.pipeline.2.transforms.0.crop_size=$SCALE" \
    model.detector.init_cfg=None model.detector.backbone.init_cfg=None \
    train_cfg.max_epochs=1 train_cfg.val_begin=2 \
    val_dataloader=None val_cfg=None val_evaluator=None \
    default_hooks.logger.interval=5 || STATUS=1
grep -E "Epoch\(train\)" "$OUT/train_epoch.log" | tail -n 2 >> "$SUMMARY" || true
if [ $DEVICE = cuda ]; then
    grep -oE "memory: [0-9]+" "$OUT/train_epoch.log" | tail -n 1 \
        | sed 's/^/peak GPU memory (MB) /' >> "$SUMMARY" || true
fi

# 2. inference speed at the paper's test size
step fps "$PY" tools/benchmarks/bench_inference.py --size $W $H \
    --frames $BENCH_FRAMES --repeats $REPEATS --device $DEVICE || STATUS=1
grep -iE "fps|frames per second" "$OUT/fps.log" >> "$SUMMARY" || true

# 3. CUDA tests (they skip without a GPU; the dry run only collects them)
TESTS="tests/models/trackers/test_quasi_dense_track_manager.py tests/ops
tests/models/mot/test_qdtrack.py"
if [ $DRY = 1 ]; then
    step cuda_tests "$PY" -m pytest -q --collect-only $TESTS || STATUS=1
else
    step cuda_tests "$PY" -m pytest -q -rs $TESTS || STATUS=1
fi
tail -n 3 "$OUT/cuda_tests.log" >> "$SUMMARY" || true
echo "summary: $SUMMARY"
cat "$SUMMARY"
exit $STATUS
