"""Whether a retrained model repeats a committed training run: its log, timings aside.

    python reports/rows/cpu-run/scripts/same_training.py COMMITTED/train_log.jsonl NEW/train_log.jsonl

Training on CPU is deterministic (same code, seed and thread count: the same weights), so a
checkpoint lost with its work folder can be made again. This compares every logged loss,
gradient norm, learning rate, sample range and validation accuracy, and ignores only the
wall-clock fields. It prints one JSON line and exits 1 when the runs differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CLOCK_FIELDS = ("time", "tokens_per_s")


def records(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [{k: v for k, v in row.items() if k not in CLOCK_FIELDS} for row in rows]


def main(committed: str, new: str) -> int:
    old_rows, new_rows = records(Path(committed)), records(Path(new))
    first_difference = next(
        (i for i, (a, b) in enumerate(zip(old_rows, new_rows, strict=False)) if a != b), None
    )
    same = first_difference is None and len(old_rows) == len(new_rows)
    report = {
        "committed": committed,
        "new": new,
        "records": [len(old_rows), len(new_rows)],
        "same": same,
        "first_difference": first_difference,
    }
    print(json.dumps(report))
    return 0 if same else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} COMMITTED_LOG NEW_LOG")
    sys.exit(main(sys.argv[1], sys.argv[2]))
