#!/usr/bin/env bash
# Copy the reference run's rows from its work folder into the repo (after stopping it).
#
#   reports/rows/cpu-run/scripts/collect.sh WORK
#
# Result rows only grow: each committed rows file must be a prefix of the work folder's, or
# nothing is copied. A training log is copied when it is new; a retrained model's log must
# repeat the committed one (same_training.py), or nothing is copied, and the committed log
# and config (with the first run's timings) stay. In the pipeline state
# a step already committed keeps its committed entry. provenance.json is left
# as it is: update its dates and notes by hand, then redraw the figures with
#   rmt-bench report reports/rows/cpu-run/results --runs reports/rows/cpu-run/runs \
#       --out reports/figures --overwrite
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WORK" >&2; exit 2; }
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../../.." && pwd)"
work="$1"
python="${PYTHON:-$repo/.venv/bin/python}"
[ -d "$work/results" ] || { echo "Error: $work/results not found" >&2; exit 1; }

for committed in "$here"/results/*.jsonl; do
    new="$work/results/$(basename "$committed")"
    [ -f "$new" ] || { echo "Error: $new is missing" >&2; exit 1; }
    size=$(stat -c %s "$committed")
    cmp -s -n "$size" "$committed" "$new" || { echo "Error: $committed is not a prefix of $new" >&2; exit 1; }
done
new_runs=()
for log in "$work"/runs/*/train_log.jsonl; do
    [ -f "$log" ] || continue
    run="$(dirname "$log")"; name="$(basename "$run")"
    if [ -f "$here/runs/$name/train_log.jsonl" ]; then  # retrained: must repeat; the first log stays
        "$python" "$here/scripts/same_training.py" "$here/runs/$name/train_log.jsonl" "$log" >&2
    else
        new_runs+=("$run")
    fi
done

cp "$work"/results/*.jsonl "$work"/results/*.config.json "$here/results/"
for run in "${new_runs[@]}"; do
    mkdir -p "$here/runs/$(basename "$run")"
    cp "$run/train_log.jsonl" "$run/train_config.json" "$here/runs/$(basename "$run")/"
done
# A retrained step keeps its first wall time (the one the tables quote); the retraining's is
# printed, for the provenance notes.
"$python" - "$here/pipeline_state.json" "$work/pipeline_state.json" <<'PY'
import json, sys
from generators.atomic import atomic_write_text
committed_path, work_path = sys.argv[1], sys.argv[2]
committed = json.load(open(committed_path, encoding="utf-8"))
state = json.load(open(work_path, encoding="utf-8"))
for name, entry in committed["steps"].items():
    new = state["steps"].get(name)
    if new is not None and new != entry:
        print(f"{name}: kept {entry['seconds']:.0f} s, this run took {new['seconds']:.0f} s", file=sys.stderr)
    state["steps"][name] = entry
atomic_write_text(committed_path, json.dumps(state, indent=2, sort_keys=True) + "\n")
PY
echo "collected $(date -u +%FT%TZ) from $work" >&2
