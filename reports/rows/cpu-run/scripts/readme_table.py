"""The accuracy table of reports/README.md ("The committed CPU run"), from summary.csv.

    python reports/rows/cpu-run/scripts/readme_table.py [reports/figures/summary.csv]

One row per final model (no stage checkpoints, no baselines), one column per main length
(powers of two from 512 tokens on) and the `cpu` preset's `beyond` length (10M); each cell is the accuracy to two decimals with its sample count, "-" where
the length has no rows yet. Printed as Markdown, so that the README quotes summary.csv.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from generators.lengths import format_length
from rmt_bench.pipeline import MODEL_KINDS, PRESETS, TASKS

MODELS = tuple(f"{kind}-{task}" for kind in MODEL_KINDS for task in TASKS)  # the runs' names
BEYOND = PRESETS["cpu"]["beyond"]["length"]  # issue 16's length past the main ones


def main(path: str) -> None:
    with Path(path).open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    cells = {
        (row["model"], int(row["length"])): row
        for row in rows
        if row["model"] in MODELS and int(row["n"]) > 0
    }
    # the main lengths: powers of two from 512 on (the grid's multiples of 480 are left out)
    lengths = sorted({n for _, n in cells if n >= 512 and (n & (n - 1) == 0 or n == BEYOND)})
    print("| model | " + " | ".join(format_length(n) for n in lengths) + " |")
    print("|---" * (len(lengths) + 1) + "|")
    for model in MODELS:
        line = []
        for length in lengths:
            row = cells.get((model, length))
            line.append("-" if row is None else f"{float(row['accuracy']):.2f} ({row['n']})")
        print(f"| `{model}` | " + " | ".join(line) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "reports/figures/summary.csv")
