"""Accuracy of the GPU sweep's rows by variant and seed, pooled, and paired against GP.

    python docs/experiments-rows/gpu-sweep/sweep_table.py   # from the repository root

One JSON line per (variant, length): each seed's correct / n, the pooled accuracy with its
95 % Wilson interval, and against the preset (GP, same seed, same samples) the samples
gained and lost over the three seeds with the two-sided exact sign test.
"""

from __future__ import annotations

import json
from pathlib import Path

from reports.stats import sign_test, wilson_interval
from rmt_bench.evaluate.rows import read_rows

HERE = Path(__file__).resolve().parent
VARIANTS = ("GP", "GR", "GU", "GV")
LENGTHS = ("128k", "1M", "2M")
SEEDS = (0, 1, 2)


def read(variant: str, seed: int, length: str) -> dict[str, bool]:
    """sample id -> correct, for one model at one length."""
    rows = read_rows(HERE / f"{variant}{seed}-{length}.detect_memorize.jsonl")
    return {row["sample_id"]: bool(row["correct"]) for row in rows if not row.get("skipped")}


def main() -> None:
    for length in LENGTHS:
        for variant in VARIANTS:
            per_seed, right, total, gained, lost = [], 0, 0, 0, 0
            for seed in SEEDS:
                rows = read(variant, seed, length)
                base = read("GP", seed, length)
                per_seed.append(f"{sum(rows.values())}/{len(rows)}")
                right, total = right + sum(rows.values()), total + len(rows)
                gained += sum(1 for k, ok in rows.items() if ok and not base[k])
                lost += sum(1 for k, ok in rows.items() if not ok and base[k])
            low, high = wilson_interval(right, total)
            line = {
                "variant": variant,
                "length": length,
                "seeds": per_seed,
                "pooled": round(right / total, 3),
                "wilson95": [round(low, 3), round(high, 3)],
            }
            if variant != "GP":
                line.update(gained=gained, lost=lost, p=float(f"{sign_test(gained, lost):.2g}"))
            print(json.dumps(line))


if __name__ == "__main__":
    main()
