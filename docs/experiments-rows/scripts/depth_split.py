"""Accuracy of eval rows split by where the fact sits: depth < 0.5 and depth >= 0.5.

    python depth_split.py 32768 Z1.detect_memorize.jsonl DF1.detect_memorize.jsonl

One JSON line per file: correct / n for the early and the late facts at that length.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rmt_bench.evaluate.rows import read_rows


def split(path: str, length: int) -> dict[str, object]:
    early: list[bool] = []
    late: list[bool] = []
    for row in read_rows(Path(path)):
        if int(row["length"]) != length or row.get("skipped"):
            continue
        (early if row["depths"][0] < 0.5 else late).append(bool(row["correct"]))
    return {
        "file": path,
        "length": length,
        "early": f"{sum(early)}/{len(early)}",
        "late": f"{sum(late)}/{len(late)}",
    }


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: depth_split.py LENGTH ROWS.jsonl [ROWS.jsonl ...]")
    for name in sys.argv[2:]:
        print(json.dumps(split(name, int(sys.argv[1]))))
