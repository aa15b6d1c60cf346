"""The ARMT's write-gate penalty: loss += lambda x mean write gate beta over the BPTT window.

    tally = WriteGateTally()
    tally.open = True            # the segment now running is inside the BPTT window
    tally.add(beta)              # beta (rows, m): one layer's write gates for one segment
    penalty = tally.mean()       # differentiable scalar; None when nothing was added

Why: a trained ARMT writes every segment, noise included, with gates beta of
0.1-0.4 (``docs/experiments.md``, session 7). The delta rule then overwrites a
fact a little at every later segment whose keys overlap its key; over hundreds
of segments of noise it is gone. Lowering every gate of a trained model at
evaluation trades short-length accuracy for long-length accuracy, so training
should teach the model to write little except where something is worth
keeping. ``train --armt-write-penalty LAMBDA`` adds LAMBDA times the mean gate
to the task loss (``rmt_bench.rmt.armt.ARMT.forward``); the task loss keeps the
gates that matter high. 0 (the default) is the paper's ARMT.

Only segments inside the BPTT window (``rmt_bench.rmt.wrapper.bptt_window_start``)
are tallied: the graph of an earlier segment is let go when the memory is
detached, and holding its gates would keep that graph alive (all of it, with
the memory it costs).
"""

from __future__ import annotations

import torch


class WriteGateTally:
    """Collects the write gates of one forward pass (only while ``open``)."""

    def __init__(self) -> None:
        self.open = False
        self._means: list[torch.Tensor] = []

    def add(self, beta: torch.Tensor) -> None:
        """Record the mean of one layer's gates beta (rows, m) if the tally is open."""
        if self.open:
            self._means.append(beta.float().mean())

    @property
    def count(self) -> int:
        """How many (segment, layer) writes were recorded."""
        return len(self._means)

    def mean(self) -> torch.Tensor | None:
        """The mean gate over the recorded writes (each weighs the same), or None."""
        if not self._means:
            return None
        return torch.stack(self._means).mean()
