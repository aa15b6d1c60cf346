#!/bin/bash
# Z1's evaluation protocol (sessions 20-22): the same samples for every checkpoint.
# usage: RUNS=/work/runs eval_protocol.sh NAME      (NO1M=1: skip the 1M-token evaluation)
# RUNS must sit beside shared/ (the noise paths are ../shared/data/...).
# pg19 (two unseen books) 512 / 4k / 32k n = 32; books?split=test 4k / 32k n = 32;
# pg19 128k n = 16; 1M on the pg19-train test books, n = 8. Rows: RUNS/evals/NAME[-books|-128k|-1M]/.
set -e
name=$1
cd "${RUNS:?set RUNS to the folder for runs}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
run() { local out=$1; shift; echo "$out before $(uptime)" >> "$name.eval.uptime"
  /usr/bin/time -v rmt-bench eval --model "$name" --task detect_memorize --threads 2 --no-progress \
    --out "evals/$out" "$@" > "evals.$out.out" 2>&1
  echo "$out after $(uptime)" >> "$name.eval.uptime"; }
mkdir -p evals
run "$name" --noise "pg19:../shared/data/pg19" --lengths 512,4k,32k --num-samples 32 --batch-size 8
run "$name-books" --noise "books?split=test" --lengths 4k,32k --num-samples 32 --batch-size 8
run "$name-128k" --noise "pg19:../shared/data/pg19" --lengths 128k --num-samples 16 --batch-size 8
if [ "${NO1M:-}" != 1 ]; then
  run "$name-1M" --noise "pg19:../shared/data/pg19-train?split=test" --lengths 1M --num-samples 8 --batch-size 4
fi
