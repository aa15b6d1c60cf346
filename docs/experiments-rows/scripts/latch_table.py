"""Where each model latched on the 1M samples, from latch.py's JSON (session 19).

    python latch_table.py latch_Y2.json ...

A sample latches at the first segment from which the memory norm stays above RATIO times
the median of the WINDOW segments before it for PERSIST segments in a row (a jump, not
the slow drift some models show). "Latched at the fact" compares the median norm of the
WINDOW segments before the fact's segment with the empty level (the median of segments
1-16): a latch can fall back before the fact comes. A latch
before the fact's segment is a false detection: the model took noise for a fact.
"""

from __future__ import annotations

import json
import statistics
import sys

RATIO = 1.2
PERSIST = 4
WINDOW = 16


def latch_segment(norms: list[float]) -> int | None:
    for i in range(WINDOW + 1, len(norms) - PERSIST + 1):
        before = statistics.median(norms[i - WINDOW : i])
        if min(norms[i : i + PERSIST]) > RATIO * before:
            return i
    return None


def latched_at(norms: list[float], segment: int) -> bool:
    empty = statistics.median(norms[1 : WINDOW + 1])
    return statistics.median(norms[max(1, segment - WINDOW) : segment]) > RATIO * empty


def main(paths: list[str]) -> None:
    print(
        "model,sample,fact_segment,first_latch,false_latch,latched_at_fact,prediction,answer,correct"
    )
    for path in paths:
        model = path.split("/")[-1].removeprefix("latch_").removesuffix(".json")
        with open(path) as handle:
            rows = json.load(handle)
        for row in rows:
            latch = latch_segment(row["norms"])
            false = latch is not None and latch < row["fact_segment"]
            correct = row["prediction"] == row["answer"]
            held = latched_at(row["norms"], row["fact_segment"])
            print(f"{model},{row['index']},{row['fact_segment']},{latch},{false},{held},"
                  f"{row['prediction']},{row['answer']},{correct}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
