#!/usr/bin/env bash
# Distributed testing on one machine:
#   bash tools/dist_test.sh CONFIG CHECKPOINT NGPUS [ARGS]
# CHECKPOINT may be "none" (or empty) for models without weights (SORT).
# Runs the project's interpreter (see tools/find_python.sh).
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
TOOLS="$(cd "$(dirname "$0")" && pwd)"
source "$TOOLS/find_python.sh"
PYTHON_BIN=$(qdtrack_python "$TOOLS/..")
CKPT_ARG=()
if [ -n "$CHECKPOINT" ] && [ "$CHECKPOINT" != none ]; then
    CKPT_ARG=("$CHECKPOINT")
fi

PYTHONPATH="$TOOLS/..":$PYTHONPATH \
"$PYTHON_BIN" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$TOOLS/test.py" \
    "$CONFIG" "${CKPT_ARG[@]}" \
    --launcher pytorch "${@:4}"
