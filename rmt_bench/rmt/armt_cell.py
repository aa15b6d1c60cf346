"""AssociativeMemoryCell: one ARMT segment step, an RMT step whose layers use associative memory.

    cell = AssociativeMemoryCell(backbone_model, layout, memory_tokens=4, key_size=32, nu=3)
    state = cell.initial_memory(batch)      # (memory (B, m, H), A (B, L, H, P), z (B, L, P))
    answer_state, new_state = cell(state, layout.build(segments))

The state is the RMT's memory tokens plus, for each of the backbone's L layers,
an associative matrix and normalisation vector (``rmt_bench.rmt.associative``),
zero at the start of a sample: its size does not depend on the sample length.
During a step every token's hidden state entering layer l gets
``A_l phi(q) / (z_l^T phi(q))`` added (a forward pre-hook on the layer); the
layer's output at the memory write positions (``step.write``: the memory slots
of the encoder layout, the write block of the decoder layout) is then written
into (A_l, z_l) with the delta rule (a forward hook collects them). The memory
tokens entering the next segment are the write positions' outputs, or with
``carry_tokens=False`` the learned initial memory again. The hooks
are registered once on the backbone's layer modules and do nothing unless a
step of this cell is running, so the backbone's weights, names and
``save_pretrained`` stay those of the plain model, and a zero state gives
exactly the plain backbone's (and the RMT's) output.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from generators.errors import BenchInputError
from rmt_bench.rmt.associative import AssociativeMemory
from rmt_bench.rmt.gate_objectives import WriteGateTally
from rmt_bench.rmt.layouts import StepInputs
from rmt_bench.rmt.memory_cell import MemoryCell

ARMTState = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # memory, A, z


def transformer_layers(body: Any) -> nn.ModuleList:
    """The backbone's list of transformer layers (BERT ``encoder.layer``, GPT-2 ``h`` ...)."""
    count = getattr(body.config, "num_hidden_layers", None)
    for module in body.modules():
        if (
            isinstance(module, nn.ModuleList)
            and len(module) > 0
            and len(module) == count
            and len({type(layer) for layer in module}) == 1
        ):
            return module
    raise BenchInputError(
        f"ARMT cannot find the {count} transformer layers of a {type(body).__name__} backbone"
    )


@dataclass
class _Step:
    """What the layer hooks need while one step runs."""

    A: torch.Tensor  # (A_rows, L, H, P)
    z: torch.Tensor  # (A_rows, L, P)
    write: slice | None  # positions whose layer outputs are written; None = read only
    written: dict[int, torch.Tensor] = field(default_factory=dict)  # layer -> (A_rows, m, H)


class _ReadHook:
    """Forward pre-hook of layer ``index``: x <- x + A phi(W_Q x) / (z^T phi(W_Q x))."""

    def __init__(self, cell: AssociativeMemoryCell, index: int) -> None:
        self.cell, self.index = cell, index

    def __call__(self, module: nn.Module, args: tuple, kwargs: dict) -> Any:
        step = self.cell.active_step
        if step is None:
            return None
        unit, i = self.cell.associative[self.index], self.index
        if args:
            x = args[0]
            return (x + unit.read(step.A[:, i], step.z[:, i], x), *args[1:]), kwargs
        x = kwargs["hidden_states"]
        return args, {**kwargs, "hidden_states": x + unit.read(step.A[:, i], step.z[:, i], x)}


class _WriteHook:
    """Forward hook of layer ``index``: keep its output at the memory write positions."""

    def __init__(self, cell: AssociativeMemoryCell, index: int) -> None:
        self.cell, self.index = cell, index

    def __call__(self, module: nn.Module, args: tuple, output: Any) -> None:
        step = self.cell.active_step
        if step is None or step.write is None:
            return
        hidden = output[0] if isinstance(output, tuple) else output  # (A_rows, T, H)
        step.written[self.index] = hidden[:, step.write]


class AssociativeMemoryCell(MemoryCell):
    """Runs one segment with memory tokens and per-layer associative memory."""

    def __init__(
        self,
        backbone: Any,
        layout: Any,
        memory_tokens: int,
        key_size: int = 32,
        nu: int = 3,
        seed: int = 0,
        carry_tokens: bool = True,
    ) -> None:
        super().__init__(backbone, layout, memory_tokens, seed=seed)
        self.carry_tokens = carry_tokens  # False: each segment's memory tokens start fresh
        layers = transformer_layers(self.body)
        self.associative = nn.ModuleList(
            AssociativeMemory(self.hidden_size, key_size, nu, seed=seed + 1000 + i)
            for i in range(len(layers))
        )
        self.__dict__["_active"] = None
        # set by ARMT.forward while training with --armt-write-penalty (not a submodule)
        self.__dict__["_tally"] = None
        for index, layer in enumerate(layers):
            layer.register_forward_pre_hook(_ReadHook(self, index), with_kwargs=True)
            layer.register_forward_hook(_WriteHook(self, index))

    @property
    def active_step(self) -> _Step | None:
        return self.__dict__["_active"]

    @property
    def tally(self) -> WriteGateTally | None:
        """Where the write gates of the running forward pass go (None: nowhere)."""
        return self.__dict__["_tally"]

    @tally.setter
    def tally(self, value: WriteGateTally | None) -> None:
        self.__dict__["_tally"] = value

    @property
    def layers(self) -> int:
        return len(self.associative)

    @contextmanager
    def _running(self, A: torch.Tensor, z: torch.Tensor, write: slice | None) -> Iterator[_Step]:
        previous = self.__dict__["_active"]
        step = _Step(A, z, write)
        self.__dict__["_active"] = step
        try:
            yield step
        finally:
            self.__dict__["_active"] = previous

    def initial_memory(self, batch_size: int) -> ARMTState:  # type: ignore[override]
        """(learned memory (B, m, H), A (B, L, H, P) zeros, z (B, L, P) zeros)."""
        memory = super().initial_memory(batch_size)
        A, z = self.associative[0].zero_state(batch_size)
        L = self.layers
        return (
            memory,
            A.unsqueeze(1).expand(-1, L, -1, -1).contiguous(),
            z.unsqueeze(1).expand(-1, L, -1).contiguous(),
        )

    def hidden_states(self, memory: Any, step: StepInputs, **kwargs: Any) -> Any:
        """The backbone output for one step, reading (not writing) the associative state."""
        tokens, A, z = memory
        with self._running(A, z, None):
            return super().hidden_states(tokens, step, **kwargs)

    def decode(self, memory: Any, **kwargs: Any) -> Any:
        """One more backbone call while generating, reading the associative state."""
        _, A, z = memory
        with self._running(A, z, None):
            return self.body(**kwargs)

    def forward(self, memory: Any, step: StepInputs) -> tuple[torch.Tensor, ARMTState]:  # type: ignore[override]
        tokens, A, z = memory
        write = step.write if step.write.stop > step.write.start else None
        with self._running(A, z, write) as running:
            hidden = MemoryCell.hidden_states(self, tokens, step).last_hidden_state  # (A, T, H)
        rows = torch.arange(hidden.shape[0], device=hidden.device)
        answer_state = hidden[rows, step.answer_index]  # (A, H)
        # the memory tokens entering the next segment: these outputs, or the learned memory
        if self.carry_tokens:
            new_tokens = hidden[:, step.write]  # (A, m, H)
        else:
            new_tokens = MemoryCell.initial_memory(self, hidden.shape[0])
        if write is None:
            return answer_state, (new_tokens, A, z)
        if len(running.written) != self.layers:
            raise RuntimeError("ARMT: a transformer layer did not run during the segment step")
        pairs = []
        for i, unit in enumerate(self.associative):
            beta = unit.gate(running.written[i])  # (A, m)
            if self.tally is not None:
                self.tally.add(beta)
            pairs.append(unit.write(A[:, i], z[:, i], running.written[i], beta=beta))
        new_A = torch.stack([pair[0] for pair in pairs], dim=1)
        new_z = torch.stack([pair[1] for pair in pairs], dim=1)
        return answer_state, (new_tokens, new_A, new_z)
