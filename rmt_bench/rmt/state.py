"""Row operations on the recurrent state a segment loop carries: a tensor or a tuple of them.

    rows = select_rows(state, index)            # the active rows of a batch step
    state = scatter_rows(state, index, rows)    # their new state written back
    state = restart_rows(state, init, [2, 5])   # rows 2 and 5 start from ``init``
    state = detach_state(state)                 # where BPTT stops
    one = row_state(state, 3)                   # row 3 as a batch of one

The RMT carries its memory (B, m, H); ARMT carries (memory, A, z) with the
batch first in every tensor. Every function returns a new state and leaves its
arguments untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch


def map_state(fn: Callable[..., torch.Tensor], *states: Any) -> Any:
    """``fn`` applied to matching tensors of ``states`` (a tensor or equal-length tuples)."""
    if isinstance(states[0], torch.Tensor):
        return fn(*states)
    return tuple(fn(*parts) for parts in zip(*states, strict=True))


def select_rows(state: Any, index: torch.Tensor) -> Any:
    return map_state(lambda t: t.index_select(0, index), state)


def scatter_rows(state: Any, index: torch.Tensor, rows: Any) -> Any:
    return map_state(lambda t, r: t.index_copy(0, index, r), state, rows)


def detach_state(state: Any) -> Any:
    return map_state(torch.Tensor.detach, state)


def row_state(state: Any, row: int) -> Any:
    return map_state(lambda t: t[row : row + 1], state)


def restart_rows(state: Any, init: Any, rows: Sequence[int]) -> Any:
    """``state`` with ``rows`` taken from ``init`` (never a detached copy of it)."""

    def restart(current: torch.Tensor, fresh: torch.Tensor) -> torch.Tensor:
        mask = torch.zeros(current.shape[0], dtype=torch.bool, device=current.device)
        mask[list(rows)] = True
        return torch.where(mask.view(-1, *[1] * (current.dim() - 1)), fresh, current)

    return map_state(restart, state, init)
