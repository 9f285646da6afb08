#!/usr/bin/env bash
# The appearance models of tools/toy_family.py, all trained on the toy
# training videos (data/toy/train) only, plus the ReID evaluation set of the
# held-out test videos. Run from anywhere, after tools/toy_benchmark.py made
# data/toy and data/toy_test:
#   bash tools/toy_family_embedders.sh [WORK_DIR]   (default work_dirs/family)
set -euo pipefail
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$TOOLS")
source "$TOOLS/find_python.sh"
PY=$(qdtrack_python "$ROOT")
cd "$ROOT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
W=${1:-work_dirs/family}
mkdir -p "$W"
T0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
num_ids() {
    "$PY" -c "import json, sys; print(json.load(open(sys.argv[1]))['metainfo']['num_ids'])" "$1"
}

stamp "pseudo-labels (SORT tracklets of det.txt), ground-truth ids on the same boxes, ReID test set"
"$PY" tools/simplereid/pseudo_label.py data/toy/train data/toy/simplereid/train_pseudo.json > "$W/pseudo.log" 2>&1
"$PY" tools/simplereid/pseudo_label.py data/toy/train data/toy/simplereid/train_gt-ids.json --identity gt > "$W/pseudo_gt.log" 2>&1
"$PY" tools/simplereid/pseudo_label.py data/toy_test/val data/toy_test/simplereid/val_gt.json --gt-boxes --frame-stride 5 > "$W/reid_eval.log" 2>&1
NP=$(num_ids data/toy/simplereid/train_pseudo.json)
NG=$(num_ids data/toy/simplereid/train_gt-ids.json)
stamp "identities: $NP pseudo, $NG ground truth"
# CPU budget: one epoch with MobileNetV2 frozen up to layer7 (docs/simplereid.md)
O=(randomness.seed=0 model.backbone.frozen_stages=7 train_cfg.max_epochs=1
   train_cfg.val_interval=2 default_hooks.checkpoint.interval=1
   train_dataloader.num_workers=1 val_dataloader.num_workers=1
   val_dataloader.dataset.ann_file=data/toy_test/simplereid/val_gt.json)
CFG=configs/simplereid/simplereid_mobilenetv2_toy.py
stamp "SimpleReID"
"$PY" tools/train.py $CFG --work-dir "$W/simplereid" --cfg-options model.head.num_classes="$NP" "${O[@]}" > "$W/simplereid.log" 2>&1
stamp "supervised ReID"
"$PY" tools/train.py $CFG --work-dir "$W/supervised" --cfg-options model.head.num_classes="$NG" \
    train_dataloader.dataset.ann_file=data/toy/simplereid/train_gt-ids.json "${O[@]}" > "$W/supervised.log" 2>&1
stamp "untrained baselines (ImageNet, random)"
"$PY" tools/simplereid/init_checkpoint.py $CFG "$W/imagenet.pth" --cfg-options model.head.num_classes=1 > "$W/init.log" 2>&1
"$PY" tools/simplereid/init_checkpoint.py $CFG "$W/random.pth" --seed 0 \
    --cfg-options model.head.num_classes=1 model.backbone.type=mmdet.MobileNetV2 >> "$W/init.log" 2>&1
stamp "SSL-MOT"
"$PY" tools/train_ssl_mot.py data/toy/train "$W/ssl_mot" > "$W/ssl_mot.log" 2>&1
stamp "done: $W"
