#!/bin/bash
# Evaluate a Reasoning model on the reference run's test samples (books?split=test, seed 0),
# n = 64 at 512 / 4k / 32k and 32 at 128k, timed (session 26). Run under the heavy lock.
# usage: RUNS=/work/runs eval_rw.sh NAME [MODEL_DIR]   (rows in RUNS/evals-rw/NAME.reasoning.jsonl)
set -e
cd "${RUNS:?set RUNS}"
name=$1; model=${2:-$RUNS/$1}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
out="$RUNS/evals-rw"
echo "before $(date -u +%FT%TZ) $(uptime)" >> "$name.eval.uptime"
/usr/bin/time -v rmt-bench eval --model "$model" --task reasoning --noise "books?split=test" \
  --lengths 512,4k,32k --num-samples 64 --batch-size 8 --threads 2 --no-progress \
  --out "$out" --name "$name" >> "evals.$name.out" 2>&1
/usr/bin/time -v rmt-bench eval --model "$model" --task reasoning --noise "books?split=test" \
  --lengths 128k --num-samples 32 --batch-size 8 --threads 2 --no-progress \
  --out "$out" --name "$name" >> "evals.$name.out" 2>&1
echo "after $(date -u +%FT%TZ) $(uptime)" >> "$name.eval.uptime"
