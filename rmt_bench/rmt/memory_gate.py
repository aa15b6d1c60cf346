"""MemoryWriteGate: an optional gated memory update for the RMT (``memory_update="gated"``).

The paper's RMT replaces the memory after every segment with the backbone's
last-layer states at the memory write positions (``memory_update="replace"``,
the default). The gated update keeps part of the old memory, per token and per
feature, like a GRU's update gate::

    g = sigmoid(W [new; old] + b)          # (A, m, H), W: (H, 2H), b: (H,)
    memory <- old + g * (new - old)

A segment of noise can then leave the memory almost unchanged (g -> 0), which a
plain replacement has to learn as an exact fixed point of the whole backbone.
``W`` starts at zero and ``b`` at ``OPEN_BIAS``, so a fresh gate writes
``sigmoid(OPEN_BIAS)`` (about 0.88) of the new state: close to the paper's
update, so a gate added to a trained RMT (``train --init-from``) starts near
that model. ``memory_gate_bias`` (``train --memory-gate-bias``) sets another
start: a negative bias keeps most of the old memory until training learns
when to write. The gate adds ``2 m (2H) H`` multiply-adds per segment, about 0.1 %
of a 4-layer backbone's segment at H = 256 (not counted by ``rmt-bench flops``).

    gate = MemoryWriteGate(hidden=256)
    memory = gate(old_memory, new_memory)   # same shape (A, m, H)
"""

from __future__ import annotations

import torch
from torch import nn

OPEN_BIAS = 2.0  # sigmoid(2) = 0.88: a fresh gate writes mostly the new state
# Where the gate's weights sit in an RMT's state dict (RMT.cell.write_gate): a gated model
# started from an ungated checkpoint (train --init-from) lacks exactly these.
STATE_PREFIX = "cell.write_gate."


class MemoryWriteGate(nn.Module):
    """Per-feature interpolation between the old memory and the backbone's new one."""

    def __init__(self, hidden: int, open_bias: float = OPEN_BIAS) -> None:
        super().__init__()
        self.proj = nn.Linear(2 * hidden, hidden)
        nn.init.zeros_(self.proj.weight)
        nn.init.constant_(self.proj.bias, open_bias)

    def forward(self, old: torch.Tensor, new: torch.Tensor) -> torch.Tensor:
        """The memory after a segment: ``old + g * (new - old)``, shape of ``old``."""
        new = new.to(old.dtype)
        gate = torch.sigmoid(self.proj(torch.cat([new, old], dim=-1))).to(old.dtype)
        return old + gate * (new - old)
