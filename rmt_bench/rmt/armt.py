"""ARMT: the Associative Recurrent Memory Transformer (Rodkin, Kuratov, Bulatov, Burtsev 2024).

    from rmt_bench.rmt.armt import ARMT, ARMTConfig
    model = ARMT(ARMTConfig(backbone="tiny-bert", memory_tokens=4, segment_size=32))
    out = model(input_ids=[ids], labels=torch.tensor([3]))       # as RMT
    model.predict(samples); model.save_pretrained(d); ARMT.from_pretrained(d)

The RMT (``rmt_bench.rmt.wrapper``) with one change: every transformer layer
also holds an associative memory (``rmt_bench.rmt.associative``) that the
memory tokens write after each segment and every token reads during the next
(``rmt_bench.rmt.armt_cell``). Everything else is the RMT's: the layouts,
segment loop, BPTT depth, recompute, streaming, heads, LoRA and the checkpoint
directory (``"kind": "armt"``; the associative projections are saved in
``rmt.safetensors``). The recurrent state per sample is
``m H + L (H P + P)`` numbers (``state_numel``), P = 2 key_size nu, constant in
the sample length. As in the RMT, the memory tokens are carried from segment
to segment too (``carry_memory_tokens``, the default). With
``carry_memory_tokens=False`` every segment starts its memory tokens from the
learned initial memory, as the ARMT authors' code does: the associative
matrices are then the only state carried between segments (``L (H P + P)``
numbers), and the memory tokens cannot collapse into one vector along a sample.

Training may add objectives on the write gates (``rmt_bench.rmt.gate_objectives``):
``write_penalty`` x the mean gate over the BPTT window (``train
--armt-write-penalty``), and ``gate_supervision`` x the BCE between each gate and
whether its segment holds a fact (``train --armt-gate-supervision``; the fact
token spans come with the batch as ``fact_spans``). They are objectives, not
part of the model: checkpoints do not store them and evaluation never pays them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from generators.errors import BenchInputError
from rmt_bench.backbones import Backbone
from rmt_bench.rmt.armt_cell import AssociativeMemoryCell
from rmt_bench.rmt.config import RMTConfig
from rmt_bench.rmt.gate_objectives import WriteGateTally, fact_targets
from rmt_bench.rmt.wrapper import RMT, bptt_window_start


@dataclass
class ARMTConfig(RMTConfig):
    """RMTConfig plus the associative memory's key size and DPFP order (JSON-able)."""

    key_size: int = 32  # d_key of W_Q and W_K; phi has 2 * key_size * nu features
    nu: int = 3  # DPFP order
    # True: the memory tokens' outputs enter the next segment (as in the RMT); False: each
    # segment's memory tokens start from the learned memory (the authors' code)
    carry_memory_tokens: bool = True

    def validate(self) -> None:
        super().validate()

        def bad(message: str) -> None:
            raise BenchInputError(f"bad ARMT config: {message}")

        if not isinstance(self.memory_tokens, int) or self.memory_tokens < 1:
            bad(
                f"memory_tokens must be >= 1 (they write the associative memory), got {self.memory_tokens!r}"
            )
        if self.memory_update != "replace":
            bad("memory_update must be 'replace': the write gate is an RMT option")
        if not isinstance(self.key_size, int) or self.key_size < 1:
            bad(f"key_size must be a positive integer, got {self.key_size!r}")
        if not isinstance(self.nu, int) or not 1 <= self.nu < 2 * self.key_size:
            bad(f"nu must be an integer in [1, 2 * key_size), got {self.nu!r}")
        if not isinstance(self.carry_memory_tokens, bool):
            bad(f"carry_memory_tokens must be true or false, got {self.carry_memory_tokens!r}")

    @property
    def phi_size(self) -> int:
        """Features of DPFP: 2 * key_size * nu."""
        return 2 * self.key_size * self.nu


class ARMT(RMT):
    """Associative Recurrent Memory Transformer around any Hugging Face backbone."""

    kind = "armt"
    config_class = ARMTConfig
    # Training objective, not part of the model: loss += write_penalty x mean write gate
    # over the BPTT window (rmt_bench.rmt.gate_objectives); set by the trainer, never saved.
    write_penalty: float = 0.0
    # loss += gate_supervision x BCE(write gate, segment holds a fact), over the BPTT window
    gate_supervision: float = 0.0

    def __init__(
        self,
        config: RMTConfig,
        *,
        backbone: Backbone | None = None,
        lora_adapter: str | Path | None = None,
    ) -> None:
        if not isinstance(config, ARMTConfig):  # an RMTConfig: ARMT with default key_size, nu
            config = ARMTConfig.from_dict(config.to_dict())
        super().__init__(config, backbone=backbone, lora_adapter=lora_adapter)

    def _make_cell(self, model: Any, layout: Any) -> AssociativeMemoryCell:
        config = self.config
        assert isinstance(config, ARMTConfig)
        return AssociativeMemoryCell(
            model,
            layout,
            config.memory_tokens,
            key_size=config.key_size,
            nu=config.nu,
            seed=config.seed,
            carry_tokens=config.carry_memory_tokens,
        )

    def forward(
        self,
        input_ids: Sequence[torch.Tensor] | torch.Tensor,
        labels: torch.Tensor | None = None,
        start_state: Any = None,
        fact_spans: Sequence[Sequence[tuple[int, int]]] | None = None,
    ) -> Any:
        """RMT's forward; in training with labels, plus the write-gate objectives in the loss.

        ``fact_spans[row]``: that row's facts as token ranges [start, end) of its
        input ids; needed (and only read) when ``gate_supervision`` > 0.
        """
        training = self.training and labels is not None and torch.is_grad_enabled()
        supervise = training and self.gate_supervision > 0
        if supervise and (fact_spans is None or len(fact_spans) != len(input_ids)):
            raise BenchInputError("ARMT gate supervision needs the fact spans of every row")
        if not (supervise or (training and self.write_penalty > 0)):
            return super().forward(input_ids, labels, start_state)
        tally = WriteGateTally()
        self.cell.tally = tally
        self.__dict__["_fact_spans"] = fact_spans if supervise else None
        try:
            output = super().forward(input_ids, labels, start_state)
        finally:
            self.cell.tally = None
            self.__dict__["_fact_spans"] = None
        if output.loss is None:
            return output
        penalty = tally.mean() if self.write_penalty > 0 else None
        if penalty is not None:
            output.loss = output.loss + self.write_penalty * penalty
        supervision = tally.supervision() if supervise else None
        if supervision is not None:
            output.loss = output.loss + self.gate_supervision * supervision
        return output

    def _enter(self, memory: Any, init: Any, plan: Any, step: int) -> Any:
        tally = self.cell.tally
        if tally is not None:
            tally.open = step >= bptt_window_start(plan.steps, self.config.bptt_depth)
            spans = self.__dict__.get("_fact_spans")
            if tally.open and spans is not None:
                tally.targets = fact_targets(spans, *plan.active(step))
        return super()._enter(memory, init, plan, step)

    @property
    def state_numel(self) -> int:
        """Numbers carried from segment to segment per sample (independent of its length)."""
        config = self.config
        assert isinstance(config, ARMTConfig)
        hidden, layers = self.cell.hidden_size, len(self.cell.associative)
        tokens = config.memory_tokens * hidden if config.carry_memory_tokens else 0
        return tokens + layers * (hidden + 1) * config.phi_size

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "state_numel": self.state_numel}
