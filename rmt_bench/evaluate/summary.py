"""``summary.csv``: accuracy per (model, kind, task, length) with a 95% Wilson interval.

    low, high = wilson_interval(correct=58, n=64)      # 95% by default
    table = summarize(rows)                            # list of dicts, SUMMARY_FIELDS
    write_summary("results/")                          # derived from every rows file there

The summary is derived from the rows and rewritten whole (atomically) after
each run; it is never edited by hand. Skipped rows (over the position limit,
out of memory) are not scored: ``n`` counts answered samples and ``skipped``
counts the others. ``tokens_per_s`` is total tokens / total seconds of the
answered samples; ``peak_memory_mb`` is the largest peak over them.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generators.owned import allow_overwrite, check_owned, is_owned, owned_path
from reports.stats import wilson_interval  # one implementation, shared with the figures
from rmt_bench.evaluate.rows import read_rows, result_files

SUMMARY_NAME = "summary.csv"
SUMMARY_FIELDS = (
    "model",
    "kind",
    "task",
    "length",
    "n",
    "accuracy",
    "ci_low",
    "ci_high",
    "tokens_per_s",
    "peak_memory_mb",
    "skipped",
)


def summarize(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One summary record per (model, kind, task, length), sorted by those keys."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        key = (row["model"], row["kind"], row["task"], int(row["length"]))
        groups.setdefault(key, []).append(row)
    table = []
    for key in sorted(groups):
        group = groups[key]
        answered = [row for row in group if not row.get("skipped")]
        n = len(answered)
        correct = sum(1 for row in answered if row.get("correct"))
        low, high = wilson_interval(correct, n)
        seconds = sum(float(row["seconds"]) for row in answered)
        tokens = sum(int(row["n_tokens"]) for row in answered)
        peaks = [float(row["peak_memory_mb"]) for row in answered if row.get("peak_memory_mb")]
        table.append(
            {
                "model": key[0],
                "kind": key[1],
                "task": key[2],
                "length": key[3],
                "n": n,
                "accuracy": correct / n if n else math.nan,
                "ci_low": low,
                "ci_high": high,
                "tokens_per_s": tokens / seconds if seconds > 0 else math.nan,
                "peak_memory_mb": max(peaks) if peaks else math.nan,
                "skipped": len(group) - n,
            }
        )
    return table


def summary_csv_text(table: list[dict[str, Any]]) -> str:
    """The CSV text of a summary table (floats with 6 significant digits, nan as empty)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in table:
        writer.writerow(
            {
                name: ("" if value != value else f"{value:.6g}")
                if isinstance(value, float)
                else value
                for name, value in record.items()
            }
        )
    return buffer.getvalue()


def _derived_by_an_older_version(path: Path) -> bool:
    """A summary.csv from before the ownership manifest: our exact header, and every
    (model, task) it lists has its rows file beside it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if not lines or lines[0] != ",".join(SUMMARY_FIELDS):
        return False
    records = list(csv.DictReader(lines))
    return all((path.parent / f"{r['model']}.{r['task']}.jsonl").is_file() for r in records)


def check_summary(out_dir: str | os.PathLike[str]) -> None:
    """BenchInputError if ``out_dir/summary.csv`` exists and is not rmt-bench's to replace."""
    path = Path(out_dir) / SUMMARY_NAME
    if path.is_file() and not is_owned(path) and _derived_by_an_older_version(path):
        return
    check_owned(path)


def write_summary(out_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Rewrite ``out_dir/summary.csv`` from every rows file in ``out_dir``; return the table.

    A summary.csv that rmt-bench did not write is never replaced (``--overwrite`` aside).
    """
    rows: list[dict[str, Any]] = []
    for path in result_files(out_dir):
        rows.extend(read_rows(path))
    table = summarize(rows)
    check_summary(out_dir)
    with allow_overwrite(), owned_path(Path(out_dir) / SUMMARY_NAME) as tmp:  # checked above
        tmp.write_text(summary_csv_text(table), encoding="utf-8")
    return table
