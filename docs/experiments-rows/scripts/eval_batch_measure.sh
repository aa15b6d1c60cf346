#!/bin/bash
# Eval throughput at batch 1 against batch 8 on the figures run's own models (same samples).
cd /work/runs
export PYTHONPATH=/work/fig-code HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PATH=/work/main/.venv/bin:$PATH
rm -rf /work/runs/bs
for rep in 1 2; do
 for spec in "memorize 32k 8" "reasoning 8k 8"; do
  set -- $spec
  for bs in 1 8; do
   echo "$rep $1 $bs before $(uptime)" >> bs.uptime
   rmt-bench eval --model fig-uncut/runs/rmt-$1 --task $1 --lengths $2 --num-samples $3 --batch-size $bs \
     --threads 2 --no-progress --out bs/r$rep-b$bs --name $1 > /dev/null 2>> bs.err
   echo "$rep $1 $bs after $(uptime)" >> bs.uptime
  done
 done
done
