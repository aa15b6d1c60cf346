"""Reasoning (qa4) eval rows split by the two facts' geometry and by the kind of wrong answer.

    PYTHONPATH=. python reasoning_errors.py 512 RW1.reasoning.jsonl RW4.reasoning.jsonl

Each row's sample is rebuilt from its id (the evaluator's on-the-fly samples: test seed
0, noise ``books?split=test`` unless ``--noise`` says otherwise), so the facts and the
question are known. One JSON line per file:

- ``axis``: correct / n where the two relations lie on the same axis (east-west for both,
  or north-south for both: the two outer rooms sit on opposite sides of the shared room)
  and where they lie on different axes, each split by whether the answer is the shared
  room ("hub") or one of the two outer rooms;
- ``wrong``: the wrong answers, as the other outer room, the hub, or a room that neither
  fact names (a fact the model no longer holds).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from generators.build import build_sample
from rmt_bench.evaluate.rows import read_rows

_RELATION = re.compile(r"^The (\w+) is (north|south|east|west) of the (\w+)\.$")
_AXIS = {"north": "ns", "south": "ns", "east": "ew", "west": "ew"}


def classify(sample: dict, prediction: str) -> tuple[str, str]:
    (a1, d1, b1), (a2, d2, b2) = (_RELATION.match(f).groups() for f in sample["facts"])
    hub = ({a1, b1} & {a2, b2}).pop()
    axis = "same axis" if _AXIS[d1] == _AXIS[d2] else "other axes"
    target = "hub" if sample["answer"] == hub else "outer"
    if prediction == sample["answer"]:
        wrong = "right"
    elif prediction == hub:
        wrong = "hub"
    elif prediction in {a1, b1, a2, b2}:
        wrong = "other outer room"
    else:
        wrong = "room in neither fact"
    return f"{axis}, answer {target}", wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("length", type=int)
    parser.add_argument("rows", nargs="+")
    parser.add_argument("--noise", default="books?split=test")
    args = parser.parse_args()
    samples: dict[str, dict] = {}
    for path in args.rows:
        cells: dict[str, list[int]] = {}
        wrong: Counter[str] = Counter()
        for row in read_rows(Path(path)):
            if int(row["length"]) != args.length or row.get("skipped"):
                continue
            sid = row["sample_id"]
            if sid not in samples:
                seed, index = (int(part) for part in sid.split("-")[-2:])
                samples[sid] = build_sample(
                    "reasoning",
                    length=args.length,
                    seed=seed,
                    index=index,
                    noise=args.noise,
                    with_ids=True,
                    text=False,
                )
            cell, kind = classify(samples[sid], row["prediction"])
            cells.setdefault(cell, [0, 0])
            cells[cell][0] += kind == "right"
            cells[cell][1] += 1
            if kind != "right":
                wrong[kind] += 1
        axis = {cell: f"{right}/{n}" for cell, (right, n) in sorted(cells.items())}
        print(json.dumps({"file": path, "length": args.length, "axis": axis, "wrong": dict(wrong)}))


if __name__ == "__main__":
    main()
