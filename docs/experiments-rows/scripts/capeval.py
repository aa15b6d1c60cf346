"""The CLI with the RMT's memory held to a norm cap (eval-time experiment, session 19).

    python capeval.py CAP eval --model Y2 ...   # any rmt-bench command line after CAP

After every segment the memory is scaled down, per sample, so that the mean L2 norm of
its memory vectors stays <= CAP; direction is kept. Prints how many writes were scaled.
"""

from __future__ import annotations

import sys

import torch

from rmt_bench.rmt import RMT

CAP = float(sys.argv.pop(1))
_load = RMT.from_pretrained.__func__
clipped = [0, 0]


def capped(cls, *args, **kwargs):
    model = _load(cls, *args, **kwargs)

    def hook(module, inputs, output):
        answer, memory = output
        mean = memory.float().norm(dim=-1).mean(dim=-1, keepdim=True)  # (A, 1)
        scale = torch.clamp(CAP / mean.clamp_min(1e-6), max=1.0)
        clipped[0] += int((scale < 1).sum())
        clipped[1] += scale.numel()
        return answer, memory * scale.unsqueeze(-1).to(memory.dtype)

    model.cell.register_forward_hook(hook)
    return model


RMT.from_pretrained = classmethod(capped)
from rmt_bench.cli import main  # noqa: E402

try:
    main()
finally:
    print(f"capeval: {clipped[0]} of {clipped[1]} memory writes scaled to {CAP}", file=sys.stderr)
