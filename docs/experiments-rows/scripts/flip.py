"""flip.py MODEL START...: does the memory's second regime come from the text or from the
number of segments? Runs test sample 5 at 1M from segment START on (the earlier segments
dropped; right-aligned segments keep their boundaries) and prints the first segment, in
the full sample's numbering, whose mean memory norm passes the threshold."""

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
THRESHOLD = 10.0


def main(name: str, starts: list[int]) -> dict:
    model = RMT.from_pretrained(name).eval()
    row = build_sample(
        "detect_memorize", length=2**20, seed=0, index=5, tokenizer=model.tokenizer_name,
        noise=NOISE, with_ids=True, text=False,
    )  # fmt: skip
    ids = torch.as_tensor(np.asarray(sample_token_ids(model.tokenizer_name, row)), dtype=torch.long)
    size = model.segment_size
    total = -(-len(ids) // size)
    norms: list[float] = []
    model.cell.register_forward_hook(
        lambda module, inputs, output: norms.append(float(output[1].float()[0].norm(dim=-1).mean()))
    )
    out = {}
    for start in starts:
        norms.clear()
        begin = time.time()
        kept = ids[-(total - start) * size :] if start else ids
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model.forward([kept]).logits
        first = next((start + i for i, n in enumerate(norms) if n > THRESHOLD), None)
        high = sum(n > THRESHOLD for n in norms)
        prediction = model.labels[int(logits.argmax(-1))]
        print(f"{name} from segment {start}: first norm > {THRESHOLD} at segment {first}, "
              f"{high} of {len(norms)} segments above; predicted {prediction} "
              f"(answer {row['answer']}); {time.time() - begin:.0f} s", flush=True)  # fmt: skip
        out[start] = {"first": first, "high": high, "segments": len(norms), "prediction": prediction,
                      "norms": list(norms)}  # fmt: skip
    return out


if __name__ == "__main__":
    torch.set_num_threads(2)
    name, starts = sys.argv[1], [int(s) for s in sys.argv[2:]]
    result = main(name, starts)
    with open(f"flip_{name}.json", "w") as handle:
        json.dump(result, handle)
