"""The READMEs quote the committed reference run exactly as `reports/figures/summary.csv` holds it.

Issue 10 asks that the README quote numbers as they stand in summary.csv. Two checks:
every accuracy quoted at full precision ("0.734375 [0.615171, 0.827036] at 256k", or
"0.953125 at 32k") is a row of summary.csv at that length, with that interval where one
is given, of the model kind and task last named before it in its paragraph or list
item ("The ARMT scores ...", "**Detect & Memorize.**"; a quote whose block names no
kind or task fails, as it could be any row's); and the accuracy table of
reports/README.md is the one that `reports/rows/cpu-run/scripts/readme_table.py` prints
from summary.csv.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from generators.lengths import parse_length

REPO_ROOT = Path(__file__).resolve().parent.parent
SUMMARY = REPO_ROOT / "reports" / "figures" / "summary.csv"
QUOTING = [REPO_ROOT / "README.md", REPO_ROOT / "reports" / "README.md"]
# "0.6875 [0.566077, 0.787689] at 512k", "0.25 [0.160149, 0.368163] at 512k", "0.953125 at
# 32k": four or more decimals, in the accuracy or its interval, mark a number copied from
# summary.csv (the experiments' own numbers are given to two)
QUOTE = re.compile(
    r"\b(0\.\d{4,}|[01](?:\.\d+)?(?= \[0\.\d{5,}))"
    r"(?: \[(\d(?:\.\d+)?), (\d(?:\.\d+)?)\])? at (\d+(?:\.\d+)?[kM]?)\b"
    r"(?: and at (\d+(?:\.\d+)?[kM]?)\b)?"
)
# what a quote is about: the last model kind and the last task named before it in its block
KIND = re.compile(r"\b(ARMT|RMT)\b")
TASK = re.compile(r"Detect & Memorize|Memorize|Reasoning")
TASK_KEYS = {
    "Detect & Memorize": "detect_memorize",
    "Memorize": "memorize",
    "Reasoning": "reasoning",
}
# a block ends at a blank line or where a list item starts
BLOCK_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.) )")


class Quote(NamedTuple):
    accuracy: str
    low: str  # "" where no interval is quoted
    high: str
    length: str
    kind: str  # "" where the block names none before the quote
    task: str


def summary_rows() -> list[dict[str, str]]:
    with SUMMARY.open(encoding="utf-8") as table:
        return list(csv.DictReader(table))


def last_named(pattern: re.Pattern[str], text: str) -> str:
    names = pattern.findall(text)
    return names[-1] if names else ""


def quotes(text: str) -> list[Quote]:
    """The full-precision accuracies in a Markdown text, line breaks read as spaces.

    "0.90625 at 256k and at 512k" gives one quote per length; a quote without an interval
    has "" for its bounds. Each quote carries the model kind ("rmt", "armt") and task
    ("detect_memorize", ...) last named before it in its block, or "" where none is.
    """
    found = []
    for block in BLOCK_BREAK.split(text):
        flat = " ".join(block.split())
        for match in QUOTE.finditer(flat):
            accuracy, low, high, length, also_at = match.groups(default="")
            before = flat[: match.start()]
            kind = last_named(KIND, before).lower()
            task = TASK_KEYS.get(last_named(TASK, before), "")
            found += [Quote(accuracy, low, high, at, kind, task) for at in (length, also_at) if at]
    return found


def matches(row: dict[str, str], accuracy: str, low: str, high: str) -> bool:
    if not row["accuracy"] or float(row["accuracy"]) != float(accuracy):  # "" where n = 0
        return False
    return not low or (float(row["ci_low"]), float(row["ci_high"])) == (float(low), float(high))


def about(row: dict[str, str], quote: Quote) -> bool:
    """Whether `row` is of the quote's length, model kind and task."""
    return (
        int(row["length"]) == parse_length(quote.length)
        and quote.kind == row["kind"]
        and quote.task == row["task"]
    )


def unmatched(text: str, rows: list[dict[str, str]]) -> list[str]:
    """The quotes of `text` that no row of summary.csv holds, or whose block does not say
    which model kind and task they are about (such a quote could be any row's)."""
    missing = []
    for quote in quotes(text):
        candidates = [row for row in rows if about(row, quote)]
        if not (quote.kind and quote.task):
            missing.append(f"names no model kind or task: {quote.accuracy} at {quote.length}")
        elif not any(matches(row, quote.accuracy, quote.low, quote.high) for row in candidates):
            interval = f" [{quote.low}, {quote.high}]" if quote.low else ""
            named = " ".join(name for name in (quote.kind, quote.task) if name)
            missing.append(
                f"{named + ': ' if named else ''}{quote.accuracy}{interval} at {quote.length}"
            )
    return missing


@pytest.mark.parametrize("path", QUOTING, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_quoted_accuracies_are_summary_rows(path: Path) -> None:
    assert unmatched(path.read_text(encoding="utf-8"), summary_rows()) == []


def test_the_check_finds_a_number_that_is_not_in_summary() -> None:
    rows = summary_rows()
    row = next(row for row in rows if row["accuracy"] and 0 < float(row["accuracy"]) < 1)
    length, accuracy = row["length"], row["accuracy"]
    task = next(name for name, key in TASK_KEYS.items() if key == row["task"])
    named = f"{task}: the {row['kind'].upper()}"  # which row a quote is about
    right = f"{named} scores {accuracy} [{row['ci_low']}, {row['ci_high']}] at {length} tokens"
    assert quotes(right) and unmatched(right, rows) == []
    assert unmatched(f"{named} scores {accuracy} [0.1234, 0.5678] at {length}", rows) != []
    assert unmatched(f"{named} scores 0.123457 at {length}", rows) != []
    assert unmatched(f"{named} scores 0.5 [0.123456, 0.654321] at {length}", rows) != []
    split_over_lines = f"{named} scores {accuracy}\n  at {length}"
    assert quotes(split_over_lines) and unmatched(split_over_lines, rows) == []
    # a quote that does not say which model and task it is about fails, right or not
    (anonymous,) = unmatched(f"It scores {accuracy} at {length}.", rows)
    assert anonymous.startswith("names no model kind or task")
    # the second length of "at 256k and at 512k" is checked too
    same_model = [o for o in rows if (o["kind"], o["task"]) == (row["kind"], row["task"])]
    holds_it = {other["length"] for other in same_model if matches(other, accuracy, "", "")}
    lacks_it = next(other["length"] for other in same_model if other["length"] not in holds_it)
    both = unmatched(f"{named} scores {accuracy} at {length} and at {lacks_it}", rows)
    assert len(both) == 1 and both[0].endswith(f" at {lacks_it}")


def test_the_check_reads_which_model_a_quote_is_about() -> None:
    rows = summary_rows()
    # an RMT accuracy, quotable without its interval, that no ARMT row of that task and
    # length holds
    row = next(
        row
        for row in rows
        if row["kind"] == "rmt"
        and re.fullmatch(r"0\.\d{4,}", row["accuracy"])
        and not any(
            matches(other, row["accuracy"], "", "")
            for other in rows
            if other["kind"] == "armt"
            and (other["task"], other["length"]) == (row["task"], row["length"])
        )
    )
    task = next(name for name, key in TASK_KEYS.items() if key == row["task"])
    quoted = f"{row['accuracy']} at {row['length']}"
    assert quotes(quoted) and unmatched(f"- **{task}.** The RMT scores {quoted}.", rows) == []
    assert unmatched(f"- **{task}.** The ARMT scores {quoted}.", rows) != []
    # a block break forgets what the block before it named
    assert quotes(f"- The ARMT scores 0.5.\n- It scores {quoted}.")[0].kind == ""
    # "Detect & Memorize" is one task, not Memorize
    assert quotes(f"**Detect & Memorize.** The RMT scores {quoted}")[0].task == "detect_memorize"


def test_reports_readme_holds_the_table_of_summary_csv() -> None:
    script = REPO_ROOT / "reports" / "rows" / "cpu-run" / "scripts" / "readme_table.py"
    printed = subprocess.run(
        [sys.executable, str(script), str(SUMMARY)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    ).stdout
    assert printed.count("\n") >= 3
    assert printed in (REPO_ROOT / "reports" / "README.md").read_text(encoding="utf-8")
