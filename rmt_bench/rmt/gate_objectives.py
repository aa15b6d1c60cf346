"""The ARMT's write-gate objectives: a penalty on every gate, and fact supervision.

    tally = WriteGateTally()
    tally.open = True            # the segment now running is inside the BPTT window
    tally.targets = t            # optional (rows,): 1.0 where that row's segment holds a fact
    tally.add(beta)              # beta (rows, m): one layer's write gates for one segment
    penalty = tally.mean()       # differentiable scalar; None when nothing was added
    supervision = tally.supervision()  # class-balanced BCE(beta, t); None without targets

Why: a trained ARMT writes every segment, noise included, with gates beta of
0.1-0.4, and no higher at a fact than on noise (``docs/experiments.md``,
sessions 7 and 8). The delta rule then overwrites a fact a little at every
later segment whose keys overlap its key; over hundreds of segments of noise
it is gone. Two training objectives act on the gates:

- ``train --armt-write-penalty LAMBDA`` adds LAMBDA x the mean gate to the
  task loss (``rmt_bench.rmt.armt.ARMT.forward``); the task loss is meant to
  keep the gates that matter high.
- ``train --armt-gate-supervision LAMBDA`` adds LAMBDA x the binary
  cross-entropy between each gate and whether its segment holds a fact token
  (the generator's ``fact_positions``), the mean over fact segments and the
  mean over the others weighing the same. It uses the samples' fact positions
  in training only; evaluation reads nothing but the tokens.

0 (the default of both) is the paper's ARMT. Only segments inside the BPTT
window (``rmt_bench.rmt.wrapper.bptt_window_start``) are tallied: the graph of
an earlier segment is let go when the memory is detached, and holding its
gates would keep that graph alive (all of it, with the memory it costs).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

# log(beta) is clamped here so that a saturated gate gives a finite loss and gradient
_LOG_FLOOR = 1e-6


def fact_targets(
    spans: Sequence[Sequence[tuple[int, int]]],
    rows: Sequence[int],
    bounds: Sequence[tuple[int, int]],
) -> torch.Tensor:
    """(len(rows),) 1.0 where row ``rows[i]``'s segment ``bounds[i]`` overlaps a fact span.

    ``spans[row]`` lists that row's facts as token ranges [start, end).
    """
    hits = [
        any(start < seg_end and seg_start < end for start, end in spans[row])
        for row, (seg_start, seg_end) in zip(rows, bounds, strict=True)
    ]
    return torch.tensor(hits, dtype=torch.float32)


def _bce(beta: torch.Tensor, target: float) -> torch.Tensor:
    """Per-element binary cross-entropy of gates beta against one target, in fp32."""
    beta = beta.float()
    if target:
        return -torch.log(beta.clamp_min(_LOG_FLOOR))
    return -torch.log((1 - beta).clamp_min(_LOG_FLOOR))


class WriteGateTally:
    """Collects the write gates of one forward pass (only while ``open``)."""

    def __init__(self) -> None:
        self.open = False
        self.targets: torch.Tensor | None = None  # (rows,) for the segment now running
        self._means: list[torch.Tensor] = []
        self._losses: dict[bool, list[torch.Tensor]] = {True: [], False: []}

    def add(self, beta: torch.Tensor) -> None:
        """Record one layer's gates beta (rows, m) if the tally is open."""
        if not self.open:
            return
        self._means.append(beta.float().mean())
        if self.targets is None:
            return
        is_fact = self.targets.to(beta.device) > 0.5
        for label in (True, False):
            chosen = beta[is_fact if label else ~is_fact]
            if chosen.numel():
                self._losses[label].append(_bce(chosen, float(label)).flatten())

    @property
    def count(self) -> int:
        """How many (segment, layer) writes were recorded."""
        return len(self._means)

    def mean(self) -> torch.Tensor | None:
        """The mean gate over the recorded writes (each weighs the same), or None."""
        if not self._means:
            return None
        return torch.stack(self._means).mean()

    def supervision(self) -> torch.Tensor | None:
        """Class-balanced BCE of the recorded gates against their targets, or None.

        The mean over gates of fact segments and the mean over the other gates,
        averaged (a class without gates in the window is left out).
        """
        parts = [torch.cat(losses).mean() for losses in self._losses.values() if losses]
        if not parts:
            return None
        return torch.stack(parts).mean()
