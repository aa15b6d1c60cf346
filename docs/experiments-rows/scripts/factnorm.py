"""Memory norm per segment on short samples, to see what writing a fact does (session 19).

    python factnorm.py MODEL N    # N test samples of detect_memorize at 32k

Prints, per sample, the prediction, the answer, the fact's token position and the mean
L2 norm of the memory vectors after every segment (pg19-train's test books, bf16).
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from generators.build import build_sample
from generators.tokens import sample_token_ids
from rmt_bench.rmt import RMT

NOISE = "pg19:../shared/data/pg19-train?split=test"


def main(name: str, count: int) -> None:
    model = RMT.from_pretrained(name).eval()
    norms: list[float] = []
    model.cell.register_forward_hook(
        lambda module, inputs, output: norms.append(
            round(float(output[1].float()[0].norm(dim=-1).mean()), 1)
        )
    )
    for index in range(count):
        row = build_sample(
            "detect_memorize", length=2**15, seed=0, index=index, tokenizer=model.tokenizer_name,
            noise=NOISE, with_ids=True, text=False,
        )  # fmt: skip
        ids = np.asarray(sample_token_ids(model.tokenizer_name, row))
        norms.clear()
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model.forward([torch.as_tensor(ids, dtype=torch.long)]).logits
        prediction = model.labels[int(logits.argmax(-1))]
        print(f"{name} sample {index}: {prediction} for {row['answer']}, fact at token "
              f"{row['fact_positions'][0]}, norms {norms}")  # fmt: skip


if __name__ == "__main__":
    torch.set_num_threads(2)
    main(sys.argv[1], int(sys.argv[2]))
