"""What the RMT's memory does with Reasoning's two facts, segment by segment (session 37).

    python reasoning_memory.py MODEL LENGTH N [PRECISION]   # e.g. R37 4k 32 fp32

Runs test samples 0..N-1 of ``reasoning`` at LENGTH (the evaluator's samples: test seed
0, the default test noise ``books?split=test``) through MODEL one at a time, with a hook
on the memory cell, and prints one JSON line per sample and a summary line. Per sample:
the answer and the prediction, the segments that hold the two facts, and the mean L2
norm of the memory vectors and of their change per segment in four windows: before the
first fact, from the first fact to the second, the segments right after the second, and
the last tenth of the sample; ``persistence``: the cosine of the (flattened) memory right
after each fact's segment to the memory 1, 4, 16 and 64 segments later, beside the median
of the same over every start in the noise (how long a write survives). ``jumps`` are the segments whose change exceeds four times
the median change before the first fact (the "fact stored" jumps of session 19's
Detect & Memorize models); ``noise_jumps`` those of them away from both facts' segments.
Session 19 found that a Detect & Memorize model stores a fact as a jump of the memory
norm that then holds; this asks whether a Reasoning model does the same for its two
facts, and what goes wrong where it answers a room that neither fact names.
"""

from __future__ import annotations

import json
import statistics
import sys
from contextlib import nullcontext

import numpy as np
import torch

from generators.build import build_sample
from generators.lengths import parse_length
from generators.tokens import sample_token_ids
from rmt_bench.rmt import RMT

LAGS = (1, 4, 16, 64)  # segments


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 3) if values else None


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(float(np.median(known)), 3) if known else None


def trace(model: RMT, length: int, index: int, precision: str) -> dict:
    tokenizer = model.tokenizer_name
    row = build_sample(
        "reasoning", length=length, seed=0, index=index, tokenizer=tokenizer,
        with_ids=True, text=False,
    )  # fmt: skip
    ids = torch.as_tensor(np.asarray(sample_token_ids(tokenizer, row)), dtype=torch.long)
    memories: list[torch.Tensor] = []
    handle = model.cell.register_forward_hook(
        lambda module, inputs, output: memories.append(output[1].detach().float()[0].clone())
    )
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else nullcontext()
    try:
        with torch.inference_mode(), autocast:
            logits = model.forward([ids]).logits
    finally:
        handle.remove()
    norms = [float(m.norm(dim=-1).mean()) for m in memories]
    flat = torch.nn.functional.normalize(torch.stack([m.flatten() for m in memories]), dim=-1)
    changes = [0.0] + [
        float((b - a).norm(dim=-1).mean()) for a, b in zip(memories, memories[1:], strict=False)
    ]
    size = model.segment_size
    first, second = (int(p) // size for p in row["fact_positions"])
    baseline = statistics.median(changes[1:first]) if first > 2 else None
    jumps = [i for i, c in enumerate(changes) if i > 0 and c > 4 * baseline] if baseline else []
    near_facts = {first, first + 1, second, second + 1}
    tail = max(1, len(norms) // 10)

    def kept(start: int, lag: int) -> float | None:  # cosine of the memory to itself lag later
        end = start + lag
        return round(float(flat[start] @ flat[end]), 3) if end < len(flat) else None

    persistence = {
        str(lag): {
            "after_first_fact": kept(first + 1, lag),
            "after_second_fact": kept(second + 1, lag),
            "noise_median": _median([kept(i, lag) for i in range(1, len(flat) - lag)]),
        }
        for lag in LAGS
    }
    prediction = model.labels[int(logits.argmax(-1))]
    named = sorted(room for room in model.labels if any(room in fact for fact in row["facts"]))
    return {
        "index": index,
        "answer": row["answer"],
        "prediction": prediction,
        "correct": prediction == row["answer"],
        "segments": len(norms),
        "fact_segments": [first, second],
        "facts": row["facts"],
        "prediction_in_facts": prediction in named,
        "norm_before": _mean(norms[:first]),
        "norm_between": _mean(norms[first:second]),
        "norm_after_second": _mean(norms[second : second + 8]),
        "norm_last_tenth": _mean(norms[-tail:]),
        "change_before": _mean(changes[1:first]),
        "change_last_tenth": _mean(changes[-tail:]),
        "persistence": persistence,
        "jumps": jumps[:20],
        "noise_jumps": [i for i in jumps if i not in near_facts][:20],
    }


def main(name: str, length: str, count: int, precision: str = "fp32") -> None:
    torch.set_num_threads(2)
    model = RMT.from_pretrained(name).eval()
    tokens = parse_length(length)
    rows = []
    for index in range(count):
        row = trace(model, tokens, index, precision)
        rows.append(row)
        print(json.dumps(row), flush=True)
    right = [r for r in rows if r["correct"]]
    wrong = [r for r in rows if not r["correct"]]
    summary = {
        "summary": name,
        "length": tokens,
        "n": len(rows),
        "correct": len(right),
        "wrong_naming_neither_fact": sum(not r["prediction_in_facts"] for r in wrong),
        "with_noise_jumps": {
            "right": sum(bool(r["noise_jumps"]) for r in right),
            "wrong": sum(bool(r["noise_jumps"]) for r in wrong),
        },
        "jump_at_first_fact": sum(
            any(j in (r["fact_segments"][0], r["fact_segments"][0] + 1) for j in r["jumps"])
            for r in rows
        ),
        "jump_at_second_fact": sum(
            any(j in (r["fact_segments"][1], r["fact_segments"][1] + 1) for j in r["jumps"])
            for r in rows
        ),
    }
    for lag in LAGS:
        key = str(lag)
        for where in ("after_first_fact", "after_second_fact", "noise_median"):
            summary[f"cos_lag{lag}_{where}"] = _median([r["persistence"][key][where] for r in rows])
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(f"usage: {sys.argv[0]} MODEL LENGTH N [fp32|bf16]")
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:])
