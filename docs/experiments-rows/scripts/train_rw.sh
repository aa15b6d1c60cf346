#!/bin/bash
# Train one Reasoning RMT on the cpu-tiny preset, timed (session 26).
# usage: RUNS=/work/runs train_rw.sh NAME [more train flags]; run under the heavy lock.
set -e
name=$1; shift
cd "${RUNS:?set RUNS}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
echo "before $(date -u +%FT%TZ) $(uptime)" > "$name.uptime"
/usr/bin/time -v rmt-bench -v train --preset cpu-tiny --task reasoning --model-kind rmt \
  --seed 0 --threads 2 --no-progress --out "$name" "$@" > "$name.train.out" 2>&1
echo "after $(date -u +%FT%TZ) $(uptime)" >> "$name.uptime"
