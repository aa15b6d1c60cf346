"""MemoryCell: one segment step of RMT, (segment, memory) -> (answer state, new memory).

    cell = MemoryCell(backbone_model, layout, memory_tokens=10, seed=0)
    memory = cell.initial_memory(batch)                   # (B, m, H), learned parameter
    answer_state, new_memory = cell(memory, layout.build(segments))
        # answer_state (A, H): last-layer state at [CLS] / the last segment token
        # new_memory   (A, m, H): last-layer states at the memory write positions
        #   (with memory_update="gated": blended with the old memory, memory_gate.py)

The backbone is touched only through public APIs: ``get_input_embeddings()``,
``forward(inputs_embeds=, attention_mask=, position_ids=)`` and
``last_hidden_state``. ``backbone_model`` may be a bare ``AutoModel``, a model
with an LM head (its ``base_model`` gives the hidden states) or a peft wrapper
of either (LoRA layers are injected in place, so ``base_model`` still works).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from rmt_bench.rmt.layouts import StepInputs
from rmt_bench.rmt.memory_gate import OPEN_BIAS, MemoryWriteGate


def transformer_body(model: Any) -> Any:
    """The module that returns hidden states (``base_model`` of a task model / peft model)."""
    if hasattr(model, "get_base_model"):  # peft wrapper
        model = model.get_base_model()
    return model.base_model


class MemoryCell(nn.Module):
    """Runs one segment through the backbone with memory read/write."""

    def __init__(
        self,
        backbone: Any,
        layout: Any,
        memory_tokens: int,
        seed: int = 0,
        memory_update: str = "replace",
        gate_bias: float | None = None,
    ) -> None:
        super().__init__()
        self.backbone = backbone  # registered: its parameters belong to the RMT
        self.layout = layout
        self.memory_tokens = memory_tokens
        embeddings = backbone.get_input_embeddings()
        hidden = int(embeddings.weight.shape[1])
        self.hidden_size = hidden
        # Initial memory: learned, scaled like the token embeddings.
        generator = torch.Generator().manual_seed(seed)
        std = float(embeddings.weight.detach().float().std())
        init = torch.randn(memory_tokens, hidden, generator=generator) * std
        self.memory = nn.Parameter(init.to(embeddings.weight.dtype))
        # "gated" (rmt_bench.rmt.memory_gate): keep part of the old memory per feature
        self.write_gate = (
            MemoryWriteGate(hidden, OPEN_BIAS if gate_bias is None else gate_bias)
            if memory_update == "gated" and memory_tokens > 0
            else None
        )
        # Plain (unregistered) references, looked up once: the per-segment loop
        # should not pay nn.Module/peft attribute resolution. Both stay valid
        # under .to() and LoRA injection (in place); they belong to ``backbone``.
        self.__dict__["_body"] = transformer_body(backbone)
        self.__dict__["_embeddings"] = embeddings

    @property
    def body(self) -> Any:
        """The transformer returning ``last_hidden_state`` (no LM head)."""
        return self.__dict__["_body"]

    @property
    def embeddings(self) -> Any:
        """The backbone's input embedding table."""
        return self.__dict__["_embeddings"]

    def initial_memory(self, batch_size: int) -> torch.Tensor:
        """(B, m, H) copies of the learned initial memory."""
        return self.memory.unsqueeze(0).expand(batch_size, -1, -1)

    def hidden_states(self, memory: torch.Tensor | None, step: StepInputs, **kwargs: Any) -> Any:
        """The backbone output for one step (``last_hidden_state`` (A, T, H), maybe a cache)."""
        embeds = step.embed(self.embeddings, memory)
        kwargs.setdefault("use_cache", False)  # decoders would build a KV cache per step
        if step.position_ids is not None:  # only when needed: not every backbone takes them
            kwargs["position_ids"] = step.position_ids
        return self.body(inputs_embeds=embeds, attention_mask=step.attention_mask, **kwargs)

    def decode(self, memory: torch.Tensor | None, **kwargs: Any) -> Any:
        """One more backbone call while generating (KV cache in ``kwargs``): the plain body."""
        return self.body(**kwargs)

    def forward(
        self, memory: torch.Tensor | None, step: StepInputs
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.hidden_states(memory, step).last_hidden_state  # (A, T, H)
        rows = torch.arange(hidden.shape[0], device=hidden.device)
        answer_state = hidden[rows, step.answer_index]  # (A, H)
        new_memory = hidden[:, step.write]  # (A, m, H); (A, 0, H) without memory
        if self.write_gate is not None and memory is not None:
            new_memory = self.write_gate(memory, new_memory)
        return answer_state, new_memory
