"""Accuracy by length with Wilson intervals, and a paired sign test of two models' eval rows.

    python compare_rows.py A.jsonl                 # accuracy [95 % Wilson] per length
    python compare_rows.py A.jsonl B.jsonl         # + on the samples both hold: gained, lost, p

"Gained" counts samples that B gets right and A wrong; the p value is the two-sided
exact sign test over the samples on which the two models differ.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from reports.stats import sign_test, wilson_interval
from rmt_bench.evaluate.rows import read_rows


def correct_by_sample(path: str) -> dict[tuple[int, str], bool]:
    """(length, sample id) -> correct, for the rows that were not skipped."""
    return {
        (int(row["length"]), row["sample_id"]): bool(row["correct"])
        for row in read_rows(Path(path))
        if not row.get("skipped")
    }


def main(paths: list[str]) -> None:
    first = correct_by_sample(paths[0])
    other = correct_by_sample(paths[1]) if len(paths) > 1 else {}
    by_length: dict[int, list[bool]] = defaultdict(list)
    for (length, _), correct in sorted(first.items()):
        by_length[length].append(correct)
    for length, results in sorted(by_length.items()):
        low, high = wilson_interval(sum(results), len(results))
        line = {
            "length": length,
            "correct": sum(results),
            "n": len(results),
            "accuracy": round(sum(results) / len(results), 3),
            "wilson95": [round(low, 2), round(high, 2)],
        }
        if len(paths) > 1:
            shared = [key for key in first if key[0] == length and key in other]
            gained = sum(other[key] and not first[key] for key in shared)
            lost = sum(first[key] and not other[key] for key in shared)
            line |= {
                "vs": paths[1],
                "shared": len(shared),
                "other_correct": sum(other[key] for key in shared),
                "gained": gained,
                "lost": lost,
                "p": round(sign_test(gained, lost), 3),
            }
        print(json.dumps(line))


if __name__ == "__main__":
    if not 1 <= len(sys.argv[1:]) <= 2:
        sys.exit("usage: compare_rows.py A.jsonl [B.jsonl]")
    main(sys.argv[1:])
