#!/bin/bash
# Train one Detect & Memorize RMT on the cpu-tiny preset, timed, as sessions 20-22 did.
# usage: RUNS=/work/runs train_dm.sh NAME SEED [more train flags]
# Writes RUNS/NAME/ (the run), RUNS/NAME.train.out (log + /usr/bin/time -v), RUNS/NAME.uptime.
# Run it alone: flock /tmp/rmt-bench-heavy.lock bash train_dm.sh ...
set -e
name=$1; seed=$2; shift 2
cd "${RUNS:?set RUNS to the folder for runs}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
echo "before $(uptime)" > "$name.uptime"
/usr/bin/time -v rmt-bench -v train --preset cpu-tiny --task detect_memorize --model-kind rmt \
  --seed "$seed" --threads 2 --no-progress --out "$name" "$@" > "$name.train.out" 2>&1
echo "after $(uptime)" >> "$name.uptime"
