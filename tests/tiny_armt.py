"""A tiny ARMT, its inputs and its write gates per step, shared by the gate-objective tests.

from tiny_armt import IDS, LABELS, gates_by_step, tiny_armt   # tests/ is on sys.path
"""

from __future__ import annotations

import torch

from rmt_bench.rmt.armt import ARMT, ARMTConfig

NO_DROPOUT = {"hidden_dropout": 0.0, "attention_dropout": 0.0, "classifier_dropout": 0.0}
TINY_OPTIONS = {"task": "memorize", "backbone": "tiny-bert", "segment_size": 16, "memory_tokens": 2}


def tiny_armt(**changes: object) -> ARMT:
    """tiny-bert ARMT: 8-token segments, 2 memory tokens, key size 8, no dropout."""
    options = dict(backbone="tiny-bert", memory_tokens=2, segment_size=8, key_size=8)
    return ARMT(ARMTConfig(**{**options, **NO_DROPOUT, **changes}))


def random_ids(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(1000, 29000, (n,), generator=torch.Generator().manual_seed(seed))


IDS = [random_ids(8 * 4), random_ids(8 * 2 + 3, 1)]  # 4 and 3 segments of 8 tokens
LABELS = torch.tensor([1, 4])


def gates_by_step(model: ARMT) -> list[list[torch.Tensor]]:
    """Every layer's gates (active rows, m) per segment step of IDS, from a plain forward."""
    gates: list[torch.Tensor] = []
    units = list(model.cell.associative)
    hooks = [u.beta.register_forward_hook(lambda m, a, out: gates.append(out)) for u in units]
    try:
        with torch.no_grad():
            model.eval()
            model(IDS, labels=LABELS)
    finally:
        for hook in hooks:
            hook.remove()
    layers = len(units)
    return [
        [torch.sigmoid(g).squeeze(-1).float() for g in gates[start : start + layers]]
        for start in range(0, len(gates), layers)
    ]
