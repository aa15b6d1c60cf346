"""When does the RMT's memory latch? (session 19)

    python latch.py MODEL...    # writes latch_MODEL.json

Runs the 8 Detect & Memorize test samples at 1M tokens on the test books of pg19-train
(the samples of every 1M evaluation in docs/experiments.md) and records, per segment, the
mean L2 norm of the memory the model writes. Writing a fact moves the memory from an empty
level to a higher latched one (factnorm.py), so the norms show whether, and where, the
model latched before the segment that holds the fact. bf16 autocast, 2 threads.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch

from generators.build import build_sample
from generators.tokens import sample_token_ids
from rmt_bench.rmt import RMT

NOISE = "pg19:../shared/data/pg19-train?split=test"


def trace(name: str) -> list[dict]:
    model = RMT.from_pretrained(name).eval()
    norms: list[float] = []
    model.cell.register_forward_hook(
        lambda module, inputs, output: norms.append(
            round(float(output[1].float()[0].norm(dim=-1).mean()), 2)
        )
    )
    rows = []
    for index in range(8):
        row = build_sample(
            "detect_memorize", length=2**20, seed=0, index=index, tokenizer=model.tokenizer_name,
            noise=NOISE, with_ids=True, text=False,
        )  # fmt: skip
        ids = np.asarray(sample_token_ids(model.tokenizer_name, row))
        total = -(-len(ids) // model.segment_size)
        first = len(ids) - (total - 1) * model.segment_size  # the short first segment
        fact_segment = (
            0
            if row["fact_positions"][0] < first
            else 1 + (row["fact_positions"][0] - first) // model.segment_size
        )
        norms.clear()
        start = time.time()
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model.forward([torch.as_tensor(ids, dtype=torch.long)]).logits
        prediction = model.labels[int(logits.argmax(-1))]
        rows.append({"index": index, "answer": row["answer"], "prediction": prediction,
                     "fact_segment": int(fact_segment), "segments": len(norms), "norms": list(norms)})  # fmt: skip
        print(f"{name} sample {index}: fact in segment {fact_segment} of {len(norms)}, "
              f"{prediction} for {row['answer']}, {time.time() - start:.0f} s", flush=True)  # fmt: skip
    return rows


if __name__ == "__main__":
    torch.set_num_threads(2)
    for name in sys.argv[1:]:
        with open(f"latch_{name}.json", "w") as handle:
            json.dump(trace(name), handle)
