#!/usr/bin/env bash
# Resume issue 10's reference run (`rmt-bench figures --preset cpu`) from the rows committed here.
#
#   reports/rows/cpu-run/scripts/resume.sh WORK CODE [figures options...]
#
# WORK is the run's work folder and CODE the commit its code is taken from (a separate
# checkout in WORK.code, so that the code cannot change under a running step). The work
# folder holds the checkpoints, which are not committed (MiniLM: about 90 MB each, 350 MB
# per model with its stage checkpoints). When WORK is missing (a new machine, or a folder lost between
# sessions) it is seeded from the committed result rows and pipeline state; the pipeline
# then retrains the final models its remaining steps need (on CPU, the same code and seed
# give the same weights: collect.sh refuses a retrained model whose training log differs
# from the committed one) and resumes every evaluation from the rows it already holds.
# The run computes in bf16 (`--precision auto` on a CPU with avx512_bf16): on a CPU
# without native bf16 auto gives fp32, and scripts/same_precision.py stops it before any work.
#
# The run takes the heavy-run lock, and each start and end is logged with `uptime` in
# reports/rows/cpu-run/uptime.txt. Stop it with `pkill -f 'rmt-bench -v figures'`, then
# collect its rows with collect.sh.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 WORK CODE [figures options...]" >&2; exit 2; }
here="$(cd "$(dirname "$0")/.." && pwd)"      # reports/rows/cpu-run
repo="$(cd "$here/../../.." && pwd)"
work="$1"; code="$2"; shift 2
python="${PYTHON:-$repo/.venv/bin/python}"

# The run's code predates the pipeline's own precision check: refuse a machine where auto
# is not bf16 before anything is cloned, seeded or logged (the committed rows where WORK is new).
checked="$work"; [ -e "$work" ] || checked="$here"
PYTHONPATH="$repo" "$python" "$here/scripts/same_precision.py" "$checked" || exit 1

if [ ! -d "$work.code" ]; then
    git clone -q "$repo" "$work.code"
fi
git -C "$work.code" checkout -q "$code"
if [ ! -e "$work" ]; then
    mkdir -p "$work"
    cp -r "$here/results" "$work/results"
    rm -f "$work/results/provenance.json"
    cp "$here/pipeline_state.json" "$work/pipeline_state.json"
    echo "note $(date -u +%FT%TZ): work folder seeded from the committed rows; missing checkpoints are retrained" >> "$here/uptime.txt"
fi

short="$(git -C "$work.code" rev-parse --short HEAD)"
echo "start $(date -u +%FT%TZ)  $(uptime) args: $* code: $short" >> "$here/uptime.txt"
set +e
PYTHONPATH="$work.code" flock /tmp/rmt-bench-heavy.lock "$python" -m rmt_bench.cli -v figures \
    --preset cpu --work "$work" --no-progress --budget-minutes 100000 --model-kinds rmt,armt "$@"
rc=$?
set -e
echo "end rc=$rc $(date -u +%FT%TZ)  $(uptime)" >> "$here/uptime.txt"
exit $rc
