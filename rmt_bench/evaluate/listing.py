"""Human-readable tables of results: ``rmt-bench ls`` and the end of ``rmt-bench eval``.

print(list_results("results/"))      # one block per rows file: config, then lengths
print(format_summary(table))         # a summary table as aligned text
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from generators.errors import BenchInputError
from generators.lengths import format_length
from rmt_bench.evaluate.rows import CONFIG_SUFFIX, PART_INFIX, read_rows, result_files
from rmt_bench.evaluate.summary import summarize


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def format_summary(table: list[dict[str, Any]]) -> str:
    """Aligned text: model, kind, task, length, n, accuracy [95% CI], tokens/s, peak MB."""
    header = (
        "model",
        "kind",
        "task",
        "length",
        "n",
        "skipped",
        "accuracy [95% CI]",
        "tok/s",
        "peak MB",
    )
    lines = [header]
    for rec in table:
        accuracy = (
            f"{_fmt(rec['accuracy'], '.3f')} [{_fmt(rec['ci_low'], '.3f')}, "
            f"{_fmt(rec['ci_high'], '.3f')}]"
        )
        lines.append(
            (
                str(rec["model"]),
                str(rec["kind"]),
                str(rec["task"]),
                format_length(int(rec["length"])),
                str(rec["n"]),
                str(rec["skipped"]),
                accuracy,
                _fmt(rec["tokens_per_s"], ".0f"),
                _fmt(rec["peak_memory_mb"], ".0f"),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def list_results(folder: str | Path) -> str:
    """Describe every rows file in ``folder`` (BenchInputError if it is not a folder)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BenchInputError(f"no results folder at {folder}")
    files = result_files(folder)
    if not files:
        return f"no result files in {folder}"
    blocks = []
    for path in files:
        stem = path.name[: -len(".jsonl")]
        config_path = folder / f"{stem}{CONFIG_SUFFIX}"
        config_hash = "?"
        if config_path.is_file():
            try:
                config_hash = json.loads(config_path.read_text(encoding="utf-8"))["config_hash"]
            except (ValueError, KeyError, TypeError):
                config_hash = "corrupt config"
        parts = sorted(folder.glob(f"{stem}{PART_INFIX}*.jsonl"))
        rows = read_rows(path)
        note = f", {len(parts)} unmerged shard files" if parts else ""
        blocks.append(f"{path.name}  ({len(rows)} rows, config {config_hash}{note})")
        table = summarize(rows)
        if table:
            blocks.append(format_summary(table))
        blocks.append("")
    return "\n".join(blocks).rstrip()
