"""The trainable model kinds behind one small registry, so the loop never branches on kind.

Each kind is a ``ModelKind`` with two functions: ``build(cfg, labels)`` makes a
fresh model for a ``TrainConfig`` and ``load(folder)`` loads a checkpoint folder.
Every model follows the trainable contract of ``rmt_bench.contract``:
``forward(input_ids: list[LongTensor 1-D], labels: LongTensor | None) ->
ClassifierOutput``, ``save_pretrained(dir)``, ``from_pretrained(dir)``.

    kind = model_kind("rmt")
    model = kind.build(cfg, labels=("bathroom", ...))
    model = kind.load("runs/x/stage-3")
    register_model_kind(ModelKind("my-kind", build=..., load=...))   # e.g. tests
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from generators.errors import BenchInputError


@dataclass(frozen=True)
class ModelKind:
    """How to build and load one trainable model kind."""

    name: str
    build: Callable[[Any, Sequence[str]], Any]  # (TrainConfig, labels) -> nn.Module
    load: Callable[[str], Any]  # checkpoint folder -> nn.Module


def _rmt_config(cfg: Any, labels: Sequence[str]) -> Any:
    from rmt_bench.rmt import RMTConfig

    return RMTConfig(
        backbone=cfg.backbone,
        memory_tokens=cfg.memory_tokens,
        segment_size=cfg.segment_size,
        labels=tuple(labels),
        bptt_depth=cfg.bptt_depth,
        memory_update=cfg.memory_update,
        memory_gate_bias=cfg.memory_gate_bias,
        loss_on=cfg.loss_on,
        recompute_segments=cfg.recompute_segments,
        lora_r=cfg.lora_r,
        hidden_dropout=cfg.dropout,
        attention_dropout=cfg.effective_attention_dropout,
        seed=cfg.seed,
    )


def _build_rmt(cfg: Any, labels: Sequence[str]) -> Any:
    from rmt_bench.rmt import RMT

    return RMT(_rmt_config(cfg, labels))


def _load_rmt(folder: str) -> Any:
    from rmt_bench.rmt import RMT

    return RMT.from_pretrained(folder)


def _build_armt(cfg: Any, labels: Sequence[str]) -> Any:
    from rmt_bench.rmt.armt import ARMT, ARMTConfig

    key_size, nu = cfg.armt_sizes
    options = {
        **_rmt_config(cfg, labels).to_dict(),
        "key_size": key_size,
        "nu": nu,
        "carry_memory_tokens": not cfg.armt_fresh_memory_tokens,
    }
    model = ARMT(ARMTConfig.from_dict(options))
    model.write_penalty = float(cfg.armt_write_penalty or 0.0)  # training objectives
    model.gate_supervision = float(cfg.armt_gate_supervision or 0.0)
    return model


def _load_armt(folder: str) -> Any:
    from rmt_bench.rmt.armt import ARMT

    return ARMT.from_pretrained(folder)


def _full_attention_cls() -> Any:
    try:
        from baselines.full_attention import FullAttentionClassifier
    except ImportError as error:
        raise BenchInputError(
            "--model-kind full-attention needs baselines.full_attention.FullAttentionClassifier"
        ) from error
    return FullAttentionClassifier


def _build_full_attention(cfg: Any, labels: Sequence[str]) -> Any:
    from baselines.full_attention import FullAttentionConfig

    config = FullAttentionConfig(
        backbone=cfg.backbone,
        labels=tuple(labels),
        hidden_dropout=cfg.dropout,
        attention_dropout=cfg.effective_attention_dropout,
        seed=cfg.seed,
        extend_positions=cfg.extend_positions,
    )
    return _full_attention_cls()(config)


def _load_full_attention(folder: str) -> Any:
    return _full_attention_cls().from_pretrained(folder)


_KINDS: dict[str, ModelKind] = {
    "rmt": ModelKind("rmt", build=_build_rmt, load=_load_rmt),
    "armt": ModelKind("armt", build=_build_armt, load=_load_armt),
    "full-attention": ModelKind(
        "full-attention", build=_build_full_attention, load=_load_full_attention
    ),
}


def register_model_kind(kind: ModelKind) -> None:
    """Add (or replace) a trainable model kind."""
    _KINDS[kind.name] = kind


def model_kind(name: str) -> ModelKind:
    """The registered kind ``name``; an unknown name is a user error."""
    if name not in _KINDS:
        raise BenchInputError(f"unknown --model-kind {name!r}; choose from {', '.join(_KINDS)}")
    return _KINDS[name]


def model_kinds() -> tuple[str, ...]:
    """Names of all registered kinds."""
    return tuple(_KINDS)
