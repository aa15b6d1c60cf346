"""The one-paragraph summary a training run logs before its first step.

    text = run_summary(cfg, model, stages, "bf16")   # backbone, parameters, stages, lr, ...
                                                     # (ARMT: key size, nu, d_phi, state size)
    log_run_summary(cfg, model, stages, "bf16")      # the same, at INFO on this module's logger

``rmt-bench train`` sets this module's logger to INFO, so the summary is printed
without ``-v``.

Stages can end early (``advance_at``, ``patience``), so steps and tokens are upper bounds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rmt_bench.train.config import TrainConfig
from rmt_bench.train.curriculum import Stage, segment_sizes
from rmt_bench.train.stage_values import format_from

log = logging.getLogger(__name__)


def run_summary(
    cfg: TrainConfig, model: Any, stages: Sequence[Stage], precision: str | None = None
) -> str:
    """A human-readable summary of what ``cfg`` is about to train (one line per topic).

    ``precision`` is what ``cfg.precision`` resolved to (default: ``cfg.precision``).
    """
    parameters = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    steps = sum(stage.max_steps for stage in stages)
    tokens = sum(stage.max_steps * cfg.batch_size * stage.length for stage in stages)
    sizes = segment_sizes(stages)
    mixed = len(sizes) > 1
    segments = ", ".join(
        (f"{stage.fewest_segments}-" if stage.fewest_segments else "")
        + (f"{stage.segments}x{stage.segment_size}" if mixed else str(stage.segments))
        for stage in stages
    )
    segment = " then ".join(map(str, sizes or [cfg.segment_size]))
    lines = [
        f"training {cfg.model_kind} on {cfg.task} into {len(stages)} stage(s)",
        f"  backbone {cfg.backbone}: {parameters:,} parameters ({trainable:,} trainable), "
        f"segment {segment} tokens, memory {cfg.memory_tokens}",
        f"  segments per stage: {segments} (samples: {cfg.segment_mix})",
        f"  lr {cfg.lr:g}"
        + (f" (from N segments on: {format_from(cfg.lr_from)})" if cfg.lr_from else "")
        + f", batch {cfg.batch_size}, at most {steps:,} steps "
        + (f"(capped from N segments on: {format_from(cfg.steps_from)}) " if cfg.steps_from else "")
        + f"and {tokens:,} task tokens",
        f"  noise {cfg.noise}, facts {cfg.facts}, seed {cfg.seed}"
        + (f", 0..{cfg.distractors} distractor facts per sample" if cfg.distractors else "")
        + (
            f", 0..{cfg.noise_distractors} fact-like noise sentences per sample"
            if cfg.noise_distractors
            else ""
        )
        + (f", {cfg.same_axis:g} of the pairs on one axis" if cfg.same_axis is not None else ""),
        f"  precision {precision or cfg.precision}"
        + (" (bf16 autocast; memory state and head in fp32)" if precision == "bf16" else "")
        + (", memory cell compiled" if cfg.compile else ""),
    ]
    if cfg.extend_positions is not None:
        lines.append(f"  position table tiled to {cfg.extend_positions:,} positions")
    if cfg.model_kind == "armt":
        lines.insert(2, _armt_line(cfg, model))
    return "\n".join(lines)


def _armt_line(cfg: TrainConfig, model: Any) -> str:
    """ARMT's own sizes: key size, nu, d_phi and the recurrent state per sample."""
    key_size, nu = cfg.armt_sizes
    state = getattr(model, "state_numel", None)
    per_sample = f", state {state:,} numbers per sample at any length" if state else ""
    penalty = cfg.armt_write_penalty or 0.0
    objective = f"; loss + {penalty:g} x mean write gate" if penalty else ""
    supervision = cfg.armt_gate_supervision or 0.0
    if supervision:
        objective += f"; loss + {supervision:g} x BCE(write gate, segment holds a fact)"
    tokens = "; memory tokens fresh each segment" if cfg.armt_fresh_memory_tokens else ""
    return (
        f"  associative memory per layer: key size {key_size}, nu {nu}, "
        f"d_phi {2 * key_size * nu}{per_sample}{tokens}{objective}"
    )


def log_run_summary(
    cfg: TrainConfig, model: Any, stages: Sequence[Stage], precision: str | None = None
) -> None:
    """Log :func:`run_summary` at INFO."""
    log.info("%s", run_summary(cfg, model, stages, precision))
