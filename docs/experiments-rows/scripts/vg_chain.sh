#!/bin/bash
# Session 23's runs VG0-VG2: GV's shape on 2 cores with a 32-segment long stage. From each
# seed's preset stage-4 checkpoint (VE0 and VE2 repeat Z0's and Z2's first four stages;
# Z1r is Z1 retrained), the preset's 16-segment stage at lr 1e-4, then 30 steps of 32
# segments at lr 3e-5; each evaluated with Z1's protocol. Heavy: each step takes the lock.
# usage: RUNS=/work/runs PATH=/path/to/venv/bin:$PATH vg_chain.sh
set -e
S=$(cd "$(dirname "$0")" && pwd)
L="flock /tmp/rmt-bench-heavy.lock"
cd "${RUNS:?set RUNS to the folder for runs}"
for pair in "2 VE2" "0 VE0" "1 Z1r"; do
  set -- $pair; seed=$1; base=$2
  $L bash "$S/train_dm.sh" VG$seed $seed --init-from $base/stage-4 --curriculum 16,32 \
    --lr-from 32:3e-5 --steps-from 32:30
  NO1M=1 $L bash "$S/eval_protocol.sh" VG$seed
done
