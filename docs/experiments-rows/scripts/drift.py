"""The RMT's memory along one 1M-token sample, segment by segment (session 18).

    python drift.py MODEL...     # prints a table per model, writes drift_MODEL....json

The sample is test sample 5 of ``detect_memorize`` at 1M tokens on the test books of
``pg19-train`` (its fact sits at depth 1.00, in the last segments), the one every 1M
evaluation in docs/experiments.md answers. Per segment: the mean L2 norm of the memory
tokens it writes, the mean norm of the change from the previous memory, and the cosine
to the learned initial memory. bf16 autocast, 2 threads, as the evaluations.
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
SHOWN = (0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 768, 1024, 1536, 2000)


def trace(name: str) -> dict:
    model = RMT.from_pretrained(name).eval()
    tokenizer = model.tokenizer_name
    row = build_sample(
        "detect_memorize", length=2**20, seed=0, index=5, tokenizer=tokenizer, noise=NOISE,
        with_ids=True, text=False,
    )  # fmt: skip
    ids = torch.as_tensor(np.asarray(sample_token_ids(tokenizer, row)), dtype=torch.long)
    memories: list[torch.Tensor] = []

    def keep(module: torch.nn.Module, inputs: tuple, output: tuple) -> None:
        memories.append(output[1].detach().float()[0].clone())

    hook = model.cell.register_forward_hook(keep)
    start = time.time()
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model.forward([ids]).logits
    hook.remove()
    initial = model.cell.initial_memory(1).detach().float()[0].flatten()
    norms = [float(m.norm(dim=-1).mean()) for m in memories]
    steps = [0.0] + [
        float((now - before).norm(dim=-1).mean())
        for before, now in zip(memories, memories[1:], strict=False)
    ]
    cosines = [float(torch.cosine_similarity(m.flatten(), initial, dim=0)) for m in memories]
    prediction = model.labels[int(logits.argmax(-1))]
    print(f"{name}: answer {row['answer']}, predicted {prediction}, {len(memories)} segments, "
          f"{time.time() - start:.0f} s")  # fmt: skip
    for i in [*SHOWN, len(memories) - 1]:
        if i < len(memories):
            print(f"  segment {i:5d}  norm {norms[i]:6.2f}  change {steps[i]:6.3f}  "
                  f"cos(initial) {cosines[i]:6.3f}")  # fmt: skip
    return {"answer": row["answer"], "prediction": prediction, "norms": norms,
            "changes": steps, "cos_initial": cosines}  # fmt: skip


if __name__ == "__main__":
    torch.set_num_threads(2)
    traces = {name: trace(name) for name in sys.argv[1:]}
    with open("drift_" + "_".join(sys.argv[1:]) + ".json", "w") as handle:
        json.dump(traces, handle)
