"""Which samples this process evaluates, and the barrier between processes.

    shard = current_shard()             # Shard(index=rank, count=world size) under accelerate
    mine = shard.take(range(64))        # every ``count``-th item, starting at ``index``
    shard.wait()                        # barrier (no-op in a single process)
    shard.device                        # the device accelerate assigned to this process

``accelerate launch --num_processes 4 -m rmt_bench.cli eval ...`` starts one
process per device; each answers its share of the samples and writes its own
shard file; rank 0 merges them after a barrier (see ``rows.RowsFile``).
A plain ``rmt-bench eval`` is one shard of one.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any, TypeVar

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Shard:
    """This process's place among ``count`` evaluation processes."""

    index: int = 0
    count: int = 1
    state: Any = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard index {self.index} outside 0..{self.count - 1}")

    @property
    def is_main(self) -> bool:
        return self.index == 0

    @property
    def sharded(self) -> bool:
        return self.count > 1

    def take(self, items: Sequence[T]) -> list[T]:
        """This shard's items: positions index, index + count, ... (disjoint, covering)."""
        return list(items[self.index :: self.count])

    def wait(self) -> None:
        """Barrier across processes (accelerate's ``wait_for_everyone``)."""
        if self.state is not None and self.count > 1:
            self.state.wait_for_everyone()

    @property
    def device(self) -> str | None:
        return str(self.state.device) if self.state is not None else None


def launched_by_accelerate() -> bool:
    """True inside ``accelerate launch``/``torchrun`` with more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def current_shard() -> Shard:
    """The shard of this process: accelerate's rank and world size, or 0 of 1."""
    if not launched_by_accelerate():
        return Shard()
    from accelerate import PartialState

    state = PartialState()
    return Shard(index=state.process_index, count=state.num_processes, state=state)
