"""Carried memory: training rows that start from the memory they ended their last step with.

    carried = CarriedMemory(probability=0.95, seed=cfg.seed)
    start = carried.start_state(model, micro=0, batch=16, step=global_step)  # None: learned init
    output = model(input_ids=ids, labels=labels, start_state=start)
    carried.update(0, output.state)
    carried.save(folder); carried.load(folder)   # with the resume checkpoint

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

The draw is ``default_rng([seed, step, micro-batch, process, CARRY_STREAM])``
(the data stream's convention), so a resumed run draws what the uninterrupted
one would; the carried states are saved with the resume checkpoint
(``carried-RANK.safetensors`` / ``.json``, ``rmt_bench.train.state_io``). Validation
and evaluation always start from the learned memory. Carried states are
dropped when a stage starts (its weights are reloaded from the best checkpoint)
and for a micro-batch whose size changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generators.errors import BenchInputError
from rmt_bench.rmt.state import detach_state, restart_rows
from rmt_bench.train.state_io import load_tree, save_tree

CARRY_STREAM = 23  # keeps these draws apart from any other use of the run seed


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
        import numpy as np
        import torch

        rng = np.random.default_rng([self.seed, step, micro, self.rank, CARRY_STREAM])
        return torch.from_numpy(rng.random(batch) < self.probability)

    def start_state(self, model: Any, micro: int, batch: int, step: int) -> Any:
        """The state micro-batch ``micro`` of optimizer step ``step`` starts from, or None.

        None (the learned memory for every row) when carrying is off, nothing is
        carried yet, the batch size changed, or no row is drawn to carry.
        """
        if not self.enabled:
            return None
        carried = self._states.get(micro)
        if carried is None or _batch_of(carried) != batch:
            return None
        mask = self._mask(micro, batch, step)
        if not bool(mask.any()):
            return None
        fresh_rows = (~mask).nonzero().flatten().tolist()
        return restart_rows(carried, model.cell.initial_memory(batch), fresh_rows)

    def update(self, micro: int, state: Any) -> None:
        """Keep the (detached) state micro-batch ``micro`` ended with."""
        if not self.enabled:
            return
        if state is None:
            raise BenchInputError("--carry-memory needs a recurrent model (rmt or armt)")
        self._states[micro] = detach_state(state)

    def _name(self) -> str:
        return f"carried-{self.rank}"

    def save(self, folder: str | Path) -> None:
        """Write the carried states into a resume checkpoint folder (nothing when off)."""
        if self.enabled:
            tree = {str(k): v for k, v in sorted(self._states.items())}
            save_tree({"states": tree}, folder, self._name())

    def load(self, folder: str | Path) -> None:
        """Restore what :meth:`save` wrote; a checkpoint without carried states leaves none."""
        self._states = {}
        if self.enabled and (Path(folder) / f"{self._name()}.json").is_file():
            tree = load_tree(folder, self._name())
            self._states = {int(k): v for k, v in (tree.get("states") or {}).items()}


def _batch_of(state: Any) -> int:
    first = state if not isinstance(state, tuple) else state[0]
    return int(first.shape[0])
