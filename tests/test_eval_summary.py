"""summary.csv: Wilson intervals against published values, grouping, skipped rows."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from rmt_bench.evaluate.summary import SUMMARY_FIELDS, summarize, wilson_interval, write_summary


@pytest.mark.parametrize(
    ("correct", "n", "low", "high"),
    [
        # statsmodels.stats.proportion.proportion_confint(k, n, method="wilson")
        (8, 10, 0.4901624715, 0.9433178485),
        (0, 10, 0.0, 0.2775327999),
        (10, 10, 0.7224672001, 1.0),
        (1, 2, 0.0945312057, 0.9054687943),
        (58, 64, 0.8101712040, 0.9563217474),  # worked by hand: centre 0.88325, half 0.07307
    ],
)
def test_wilson_matches_reference(correct: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(correct, n)
    assert got == pytest.approx((low, high), abs=1e-8)


def test_wilson_edge_cases() -> None:
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    low, high = wilson_interval(500, 1000)
    assert low < 0.5 < high and high - low < 0.07


def _row(model: str, length: int, correct: bool | None, skipped: str | None = None) -> dict:
    return {
        "model": model,
        "kind": "rmt",
        "task": "memorize",
        "length": length,
        "n_tokens": length,
        "sample_id": f"x-{length}-{correct}",
        "correct": correct,
        "skipped": skipped,
        "seconds": 0.5,
        "peak_memory_mb": 100.0 + length / 1024 if not skipped else None,
    }


def test_summarize_groups_and_skips() -> None:
    rows = [
        _row("a", 4096, True),
        _row("a", 4096, False),
        _row("a", 4096, True),
        _row("a", 1024, True),
        _row("a", 1024, None, skipped="exceeds max positions"),
        _row("b", 4096, False),
    ]
    table = summarize(rows)
    assert [(r["model"], r["length"]) for r in table] == [("a", 1024), ("a", 4096), ("b", 4096)]
    a4k = table[1]
    assert a4k["n"] == 3 and a4k["skipped"] == 0
    assert a4k["accuracy"] == pytest.approx(2 / 3)
    assert (a4k["ci_low"], a4k["ci_high"]) == pytest.approx(wilson_interval(2, 3))
    assert a4k["tokens_per_s"] == pytest.approx(3 * 4096 / 1.5)
    assert a4k["peak_memory_mb"] == pytest.approx(104.0)
    a1k = table[0]
    assert a1k["n"] == 1 and a1k["skipped"] == 1 and a1k["accuracy"] == 1.0


def test_write_summary_reads_every_rows_file(tmp_path: Path) -> None:
    (tmp_path / "a.memorize.jsonl").write_text(
        "".join(json.dumps(_row("a", 4096, c)) + "\n" for c in (True, False))
    )
    (tmp_path / "b.memorize.jsonl").write_text(json.dumps(_row("b", 4096, True)) + "\n")
    # an unmerged shard file is not part of the summary
    (tmp_path / "b.memorize.part-1.jsonl").write_text(json.dumps(_row("b", 4096, False)) + "\n")
    write_summary(tmp_path)
    with open(tmp_path / "summary.csv") as handle:
        records = list(csv.DictReader(handle))
    assert tuple(records[0]) == SUMMARY_FIELDS
    assert [(r["model"], r["n"], r["accuracy"]) for r in records] == [
        ("a", "2", "0.5"),
        ("b", "1", "1"),
    ]
