"""Carried memory: training rows that start from the memory they ended their last step with.

    carried = CarriedMemory(probability=0.95, seed=cfg.seed)
    start = carried.start_state(model, micro=0, batch=16, step=global_step)  # None: learned init
    output = model(input_ids=ids, labels=labels, start_state=start)
    carried.update(0, output.state)

``train --carry-memory P`` (0 by default: the paper's training, every sample
starts from the learned memory). With P > 0, each row of a micro-batch starts,
with probability P, from the memory (detached) that the same row of the same
micro-batch ended the previous optimizer step with, and otherwise from the
learned initial memory. A row's chain of samples is then geometric with mean
1 / (1 - P) samples, so training sees memory states after hundreds of segment
updates (the states a long evaluation reaches) at no extra compute; gradients
still stop at the sample boundary (the carried state is detached), as in
truncated BPTT over an endless stream. Every sample still holds its own fact
and question, so a carried row must write the new fact over the old one.

The draw is a pure function of (seed, step, micro-batch, process, row), so a
resumed run draws what the uninterrupted one would; the carried states are
saved with the resume checkpoint (``state_tree`` / ``load_tree``). Validation
and evaluation always start from the learned memory. Carried states are
dropped when a stage starts (its weights are reloaded from the best checkpoint)
and for a micro-batch whose size changed.
"""

from __future__ import annotations

from typing import Any

from generators.errors import BenchInputError
from rmt_bench.rmt.state import map_state

_MASK_SALT = 0x6361727279  # "carry": keeps these draws apart from other seeded streams


class CarriedMemory:
    """Per micro-batch memory states carried from one optimizer step to the next."""

    def __init__(self, probability: float, seed: int, rank: int = 0) -> None:
        if not 0 <= probability < 1:
            raise BenchInputError(f"--carry-memory must be in [0, 1), got {probability}")
        self.probability = float(probability)
        self.seed = int(seed)
        self.rank = int(rank)
        self._states: dict[int, Any] = {}

    @property
    def enabled(self) -> bool:
        return self.probability > 0

    def reset(self) -> None:
        """Forget every carried state (a stage starts from reloaded weights)."""
        self._states.clear()

    def _mask(self, micro: int, batch: int, step: int) -> Any:
        """Which rows (batch,) bool carry over at ``step``: a pure function of its arguments."""
        import torch

        generator = torch.Generator().manual_seed(
            hash((self.seed, _MASK_SALT, step, micro, self.rank)) & (2**63 - 1)
        )
        return torch.rand(batch, generator=generator) < self.probability

    def start_state(self, model: Any, micro: int, batch: int, step: int) -> Any:
        """The state micro-batch ``micro`` of optimizer step ``step`` starts from, or None.

        None (the learned memory for every row) when carrying is off, nothing is
        carried yet, the batch size changed, or no row is drawn to carry.
        """
        import torch

        if not self.enabled:
            return None
        carried = self._states.get(micro)
        if carried is None or _batch_of(carried) != batch:
            return None
        mask = self._mask(micro, batch, step)
        if not bool(mask.any()):
            return None
        init = model.cell.initial_memory(batch)

        def pick(old: Any, fresh: Any) -> Any:
            keep = mask.to(fresh.device).view(-1, *[1] * (fresh.dim() - 1))
            return torch.where(keep, old.to(fresh.device, fresh.dtype), fresh)

        return map_state(pick, carried, init)

    def update(self, micro: int, state: Any) -> None:
        """Keep the (detached) state micro-batch ``micro`` ended with."""
        if not self.enabled:
            return
        if state is None:
            raise BenchInputError("--carry-memory needs a recurrent model (rmt or armt)")
        self._states[micro] = map_state(lambda t: t.detach(), state)

    def state_tree(self) -> dict[str, Any]:
        """The carried states, for ``save_tree`` (tuples survive the round trip)."""
        return {"states": {str(k): v for k, v in sorted(self._states.items())}}

    def load_tree(self, tree: dict[str, Any]) -> None:
        """Restore what :meth:`state_tree` returned."""
        self._states = {int(k): v for k, v in (tree.get("states") or {}).items()}


def _batch_of(state: Any) -> int:
    first = state if not isinstance(state, tuple) else state[0]
    return int(first.shape[0])
