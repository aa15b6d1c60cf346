"""Average two RMT checkpoints of one architecture (runs Y0a-Y2a, session 18).

    python avg.py A B OUT [W]    # OUT: a copy of B whose weights are (1 - W) * A + W * B

Averages the backbone (``backbone/model.safetensors``) and the RMT's own tensors
(``rmt.safetensors``: memory, head); integer tensors must be equal. W = 0.5 by default.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

WEIGHTS = ("backbone/model.safetensors", "rmt.safetensors")
COPIED = ("README.md", "config.json", "train_config.json", "train_log.jsonl")


def average(a: Path, b: Path, out: Path, weight: float = 0.5) -> None:
    out.mkdir()
    for name in COPIED:
        shutil.copy(b / name, out / name)
    shutil.copytree(b / "tokenizer", out / "tokenizer")
    (out / "backbone").mkdir()
    shutil.copy(b / "backbone/config.json", out / "backbone/config.json")
    for relative in WEIGHTS:
        first, second = load_file(a / relative), load_file(b / relative)
        if first.keys() != second.keys():
            raise SystemExit(f"{relative}: the two checkpoints hold different tensors")
        mixed = {}
        for key, tensor in second.items():
            if tensor.is_floating_point():
                value = (1 - weight) * first[key].float() + weight * tensor.float()
                mixed[key] = value.to(tensor.dtype).contiguous()
            elif torch.equal(first[key], tensor):
                mixed[key] = tensor
            else:
                raise SystemExit(f"{relative}: integer tensor {key} differs")
        save_file(mixed, out / relative, metadata={"format": "pt"})


if __name__ == "__main__":
    a, b, out = (Path(arg) for arg in sys.argv[1:4])
    average(a, b, out, float(sys.argv[4]) if len(sys.argv) > 4 else 0.5)
