"""RMTConfig: everything needed to rebuild a Recurrent Memory Transformer.

    cfg = RMTConfig(backbone="minilm", memory_tokens=10)      # the paper's setup
    cfg = RMTConfig(backbone="tiny-gpt2", head="generate", memory_tokens=4, segment_size=32)
    RMTConfig.from_dict(json.loads(text))                      # checkpoints, config files

``segment_size`` (task tokens per segment) is resolved against the backbone's
position limit when the model is built: encoder ``max_positions - m - 3``
(``[CLS] [MEM x m] [SEP] segment [SEP]``; 499 for 512 positions and m = 10;
``max_positions - 2`` when m = 0 because the memory block and its [SEP] vanish),
decoder ``max_positions - 2m`` (``[MEM_read | segment | MEM_write]``), minus
``max_answer_tokens`` for the generative head. Bad values raise BenchInputError.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from generators.errors import BenchInputError

# The answer classes of the paper's three memorization tasks (bAbI qa1 rooms).
DEFAULT_LABELS: tuple[str, ...] = ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")

HEADS = ("classify", "generate")
LOSS_ON = ("last", "all")
LAYOUTS = ("encoder", "decoder")
ATTENTION = ("sdpa", "eager")
MEMORY_UPDATES = ("replace", "gated")  # "gated": rmt_bench.rmt.memory_gate


@dataclass
class RMTConfig:
    """Configuration of the RMT wrapper (JSON-able; saved in every checkpoint)."""

    backbone: str = "minilm"  # HF id/path, "minilm", or a random preset (rmt_bench.backbones)
    memory_tokens: int = 10  # m
    segment_size: int | None = None  # task tokens per segment; None = as many as fit
    labels: tuple[str, ...] = DEFAULT_LABELS
    bptt_depth: int | None = None  # None = full BPTT; k = gradients through the last k segments
    # "replace" (the paper: new memory = last-layer states) or "gated" (memory_gate.py)
    memory_update: str = "replace"
    # gated only: the gate's starting bias (None: memory_gate.OPEN_BIAS, mostly writing;
    # negative: mostly keeping the old memory until training learns when to write)
    memory_gate_bias: float | None = None
    loss_on: str = "last"  # "last" segment only, or "all" (summed over segments)
    head: str = (
        "classify"  # "classify" (linear over labels) or "generate" (decoders: greedy answer)
    )
    recompute_segments: bool = False  # activation checkpointing per segment while training
    layout: str | None = None  # "encoder" / "decoder"; None = from the backbone's model type
    attn_implementation: str = "sdpa"
    lora_r: int = 0  # > 0 wraps the backbone with peft LoRA of this rank
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    lora_targets: tuple[str, ...] | None = None  # None = peft's defaults for the architecture
    hidden_dropout: float | None = None  # override the backbone's dropout (None = keep)
    attention_dropout: float | None = None
    classifier_dropout: float | None = None  # None = the backbone's hidden dropout
    max_answer_tokens: int = 8  # generative head: answer budget in the last segment
    tokenizer: str | None = None  # None = the backbone's own ("minilm" for the random presets)
    seed: int = 0  # random-init presets, memory and head initialisation
    extra_backbone_config: dict[str, Any] = field(
        default_factory=dict
    )  # e.g. {"num_hidden_layers": 3}

    def __post_init__(self) -> None:
        self.labels = tuple(str(label) for label in self.labels)
        if self.lora_targets is not None:
            self.lora_targets = tuple(self.lora_targets)
        self.validate()

    def validate(self) -> None:
        """Raise BenchInputError (one line) for any inconsistent value."""

        def bad(message: str) -> None:
            raise BenchInputError(f"bad RMT config: {message}")

        if not isinstance(self.backbone, str) or not self.backbone:
            bad("backbone must be a non-empty name or path")
        if not isinstance(self.memory_tokens, int) or self.memory_tokens < 0:
            bad(f"memory_tokens must be an integer >= 0, got {self.memory_tokens!r}")
        if self.segment_size is not None and (
            not isinstance(self.segment_size, int) or self.segment_size < 1
        ):
            bad(f"segment_size must be a positive integer or null, got {self.segment_size!r}")
        if len(self.labels) < 2 or len(set(self.labels)) != len(self.labels):
            bad(f"labels must be at least two distinct strings, got {list(self.labels)}")
        if self.bptt_depth is not None and (
            not isinstance(self.bptt_depth, int) or self.bptt_depth < 1
        ):
            bad(
                f"bptt_depth must be a positive integer or null (full BPTT), got {self.bptt_depth!r}"
            )
        if self.memory_update not in MEMORY_UPDATES:
            bad(f"memory_update must be one of {MEMORY_UPDATES}, got {self.memory_update!r}")
        if self.memory_update == "gated" and self.memory_tokens < 1:
            bad("memory_update='gated' needs memory_tokens >= 1")
        if self.memory_gate_bias is not None:
            if self.memory_update != "gated":
                bad("memory_gate_bias applies to memory_update='gated' only")
            if not isinstance(self.memory_gate_bias, (int, float)) or not math.isfinite(
                self.memory_gate_bias
            ):
                bad(f"memory_gate_bias must be a finite number, got {self.memory_gate_bias!r}")
        if self.loss_on not in LOSS_ON:
            bad(f"loss_on must be one of {LOSS_ON}, got {self.loss_on!r}")
        if self.head not in HEADS:
            bad(f"head must be one of {HEADS}, got {self.head!r}")
        if self.head == "generate" and self.loss_on != "last":
            bad("the generative head answers once, after the last segment: use loss_on='last'")
        if self.layout is not None and self.layout not in LAYOUTS:
            bad(f"layout must be one of {LAYOUTS} or null, got {self.layout!r}")
        if self.attn_implementation not in ATTENTION:
            bad(f"attn_implementation must be one of {ATTENTION}, got {self.attn_implementation!r}")
        if not isinstance(self.lora_r, int) or self.lora_r < 0:
            bad(f"lora_r must be an integer >= 0, got {self.lora_r!r}")
        for name in ("hidden_dropout", "attention_dropout", "classifier_dropout", "lora_dropout"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= float(value) < 1.0:
                bad(f"{name} must be in [0, 1), got {value!r}")
        if not isinstance(self.max_answer_tokens, int) or self.max_answer_tokens < 1:
            bad(f"max_answer_tokens must be a positive integer, got {self.max_answer_tokens!r}")
        if not isinstance(self.extra_backbone_config, dict):
            bad("extra_backbone_config must be a mapping")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (tuples become lists)."""
        data = dataclasses.asdict(self)
        data["labels"] = list(self.labels)
        if self.lora_targets is not None:
            data["lora_targets"] = list(self.lora_targets)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RMTConfig:
        """Build from a mapping; unknown keys are an error naming the key."""
        if not isinstance(data, dict):
            raise BenchInputError("bad RMT config: expected a mapping of option: value")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise BenchInputError(f"bad RMT config: unknown option(s) {unknown}")
        try:
            return cls(**data)
        except TypeError as error:
            raise BenchInputError(f"bad RMT config: {error}") from error
