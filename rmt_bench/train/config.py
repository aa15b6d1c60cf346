"""The training configuration (``TrainConfig``) and how it is resolved.

Precedence, lowest first: dataclass defaults < ``--preset`` < ``--config FILE``
(YAML/JSON) < CLI flags. The resolved config is saved as ``train_config.json``
in the output folder and its hash goes into every checkpoint it produces.

    cfg = resolve_train_config(config_file="train.yaml", overrides={"task": "memorize"})
    cfg = resolve_train_config(overrides={"preset": "cpu-tiny", "task": "detect_memorize"})

Run options that do not change what is learned (``--out``, ``--resume``,
``--tensorboard``, progress bars) are arguments of ``train()``, not fields here.

The old option ``mixed_precision`` (``no | bf16 | auto``, in config files and
in the ``train_config.json`` of earlier runs) is read as ``precision``
(``fp32 | bf16 | auto``, ``rmt_bench.precision``); see ``upgrade_options``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generators.default_noise import TRAIN_NOISE
from generators.errors import BenchInputError
from rmt_bench.config import load_config_file, resolve_config
from rmt_bench.precision import check_precision, legacy_precision
from rmt_bench.train.presets import preset_values
from rmt_bench.train.stage_values import parse_from, value_at

log = logging.getLogger(__name__)

CLIP_MODES = ("value", "norm")
# How many segments a training sample of stage N has: "exact" (the paper: N), or
# "uniform" (each sample draws its count from 1..N, so every stage keeps training the
# shorter lengths and no dynamics tuned to exactly N steps can pass validation).
SEGMENT_MIXES = ("exact", "uniform")
# ARMT's associative memory (rmt_bench.rmt.armt.ARMTConfig): key size d_key of W_Q / W_K
# and DPFP order nu, so d_phi = 2 d_key nu features per layer. None: ARMTConfig's defaults.
ARMT_DEFAULT_KEY_SIZE = 32
ARMT_DEFAULT_NU = 3
# Beyond this the per-layer matrices (hidden x 2 d_key nu) outgrow any backbone they serve.
ARMT_MAX_KEY_SIZE = 4096
# renamed options: old name -> (new name, old value -> new value)
RENAMED = {"mixed_precision": ("precision", legacy_precision)}


def parse_curriculum(value: str | int | Sequence[int | str]) -> tuple[int | str, ...]:
    """``"1,2,4x480"`` / ``[1, 2, "4x480"]`` / ``3`` -> ``(1, 2, "4x480")``.

    A stage is ``N`` (N segments of ``--segment-size`` tokens) or ``NxS`` (N segments of
    S tokens: a curriculum may move to longer segments, e.g. ``1,2,4,8,16,32,2x480``).
    ``A-B`` (or ``A-BxS``) is a mixed stage: each training sample draws its segment count
    from A..B, validation uses B (``1,2,4,16,8-32``: the last stage keeps the shorter
    lengths). The order is checked by :func:`check_curriculum_order` once the segment size
    is known.
    """
    if isinstance(value, int):
        items: list[Any] = [value]
    elif isinstance(value, str):
        items = [part.strip() for part in value.split(",") if part.strip()]
    else:
        items = list(value)
    stages: list[int | str] = []
    for item in items:
        try:
            low, n, s = _entry_parts(item)
        except ValueError as error:
            raise BenchInputError(
                "--curriculum must be segment counts like 1,2,3 (or NxS, N segments of S "
                f"tokens, e.g. 2x480; A-B, from A to B segments, e.g. 8-32); got {value!r}"
            ) from error
        if low < 1 or n < 1 or (s is not None and s < 1):
            raise BenchInputError(f"--curriculum needs positive segment counts, got {value!r}")
        if low > n:
            raise BenchInputError(
                f"--curriculum mixed stage A-B needs A <= B, got {item!r} in {value!r}"
            )
        entry = (f"{low}-{n}" if low < n else str(n)) + (f"x{s}" if s is not None else "")
        stages.append(n if entry == str(n) else entry)
    if not stages:
        raise BenchInputError(f"--curriculum needs positive segment counts, got {value!r}")
    return tuple(stages)


def _entry_parts(entry: int | str) -> tuple[int, int, int | None]:
    """(fewest segments, most segments, segment size or None) of one curriculum entry
    (``N``, ``NxS``, ``A-B``, ``A-BxS``); ``ValueError`` when it is none of these."""
    counts, sep, size = str(entry).strip().lower().partition("x")
    low, dash, high = counts.partition("-")
    most = int(high if dash else low)
    return (int(low) if dash else most), most, (int(size) if sep else None)


def curriculum_plan(curriculum: Sequence[int | str], segment_size: int) -> list[tuple[int, int]]:
    """(segments, segment size) of each stage of a parsed curriculum (a mixed stage ``A-B``:
    its most segments, B)."""
    plan = []
    for entry in curriculum:
        _, most, size = _entry_parts(entry)
        plan.append((most, segment_size if size is None else size))
    return plan


def curriculum_fewest_segments(curriculum: Sequence[int | str]) -> list[int]:
    """The fewest segments a training sample of each stage has (A of ``A-B``; N of ``N``)."""
    return [_entry_parts(entry)[0] for entry in curriculum]


def check_curriculum_order(plan: Sequence[tuple[int, int]], value: Any) -> None:
    """Stages grow: the segment size never shrinks, and at one size the segment count rises."""
    for (n, size), (next_n, next_size) in zip(plan, plan[1:], strict=False):
        if next_size < size:
            raise BenchInputError(
                f"--curriculum segment sizes must not shrink stage by stage, got {value!r}"
            )
        if next_size == size and next_n <= n:
            raise BenchInputError(f"--curriculum must increase stage by stage, got {value!r}")


@dataclass
class TrainConfig:
    """Everything that determines a training run (the recipe), JSON-able."""

    task: str | None = None
    preset: str | None = None
    model_kind: str = "rmt"
    # model
    backbone: str = "minilm"  # HF id/path, "minilm", "tiny-bert", "small-bert"
    segment_size: int = 499  # task tokens per segment
    memory_tokens: int = 10
    bptt_depth: int | None = None  # None: backpropagate through all segments
    # "replace" (the paper) or "gated": keep part of the old memory (rmt_bench.rmt.memory_gate)
    memory_update: str = "replace"
    memory_gate_bias: float | None = None  # gated only: the fresh gate's bias (None: +2)
    loss_on: str = "last"
    recompute_segments: bool = False  # activation checkpointing per segment
    lora_r: int = 0  # 0: full fine-tuning; >0: LoRA adapters + memory + head
    dropout: float | None = None  # None: the backbone's own dropout
    # None: as --dropout. On CPU, attention dropout > 0 pushes torch's SDPA off its fused
    # kernel onto the math path (benchmarks/bench_train.py, MiniLM, 2 x 499-token segments
    # x batch 8: 2.3x slower, 2.6x the memory); 0 keeps the fused kernel.
    attention_dropout: float | None = None
    # full-attention only: tile the learned position table to this many positions, so the
    # model can train on stages longer than the backbone's own (None: its own positions)
    extend_positions: int | None = None
    # ARMT only (--model-kind armt); None: 32 and 3, ARMT's defaults
    armt_key_size: int | None = None  # d_key of the associative memory's W_Q and W_K
    armt_nu: int | None = None  # DPFP order: d_phi = 2 * key size * nu
    # loss += this x mean write gate over the BPTT window (rmt_bench.rmt.gate_objectives);
    # None: 0, the paper's ARMT
    armt_write_penalty: float | None = None
    # loss += this x BCE(write gate, its segment holds a fact), over the BPTT window
    # (rmt_bench.rmt.gate_objectives; uses the samples' fact positions); None: 0
    armt_gate_supervision: float | None = None
    # True: each segment's memory tokens start from the learned memory, the associative
    # matrices are the only carried state (the ARMT authors' code); None: False, carried
    armt_fresh_memory_tokens: bool | None = None
    # curriculum
    # segments per stage; "NxS" entries train N segments of S tokens (--segment-size: others)
    curriculum: tuple[int | str, ...] = (1, 2, 3, 4, 5, 6, 7)
    no_curriculum: bool = False  # ablation: one stage, the curriculum's last
    segment_mix: str = "exact"  # training samples of stage N: N segments, or 1..N (uniform)
    # probability that a training row starts from the memory it ended its previous step
    # with (detached) instead of the learned memory; 0: off (the paper's training)
    carry_memory: float = 0.0
    # training samples of a qa1 task hold 0..N extra movement facts that leave the answer
    # unchanged (generators.distractors); validation and evaluation never do. 0: the paper
    distractors: int = 0
    # ... and 0..N fact-like sentences of the noise itself (generators.distractors)
    noise_distractors: int = 0
    # reasoning: the share of training samples whose two relations lie on one axis, the
    # outer rooms on opposite sides of the shared one (generators.world.relation_pair);
    # validation and evaluation keep the natural one in three. None: the natural draw
    same_axis: float | None = None
    init_from: str | None = None  # a checkpoint folder whose weights stage 1 starts from
    steps_per_stage: int = 3000
    # (segments, steps): stages of at least that many segments run that many steps, not
    # ended early by advance_at (--steps-from 32:30; rmt_bench.train.stage_values).
    # Empty: --steps-per-stage for every stage.
    steps_from: tuple[tuple[int, int], ...] = ()
    advance_at: float | None = None  # validation accuracy that ends a stage early
    patience: int | None = None  # validations without improvement that end a stage (None: off)
    val_every: int = 100
    val_samples: int = 200
    # optimisation
    batch_size: int = 32  # global batch per optimizer step (all processes, all micro-steps)
    grad_accum: int = 1
    lr: float = 1e-5
    # (segments, lr) steps: stages of at least that many segments train at that lr
    # (--lr-from 16:1e-4; rmt_bench.train.stage_values). Empty: --lr for every stage.
    lr_from: tuple[tuple[int, float], ...] = ()
    warmup: int = 100  # linear warmup steps (per stage)
    weight_decay: float = 1e-3
    grad_clip: float | None = 5.0  # None or 0: no clipping
    grad_clip_mode: str = "value"  # "value" (the paper) or "norm"
    # fp32 | bf16 | auto (bf16 on CUDA with bf16 and on AMX-BF16 / AVX512-BF16 CPUs);
    # bf16 is autocast over the backbone, memory state and head stay fp32
    precision: str = "auto"
    compile: bool = False  # torch.compile the memory cell
    seed: int = 0
    # data
    data: str | None = None  # a folder written by `rmt-bench generate`; None: on the fly
    facts: str = "builtin"
    noise: str = TRAIN_NOISE
    prefetch: int = 2  # batches built ahead in a background thread (0: none)
    # bookkeeping
    checkpoint_every: int = 200  # steps between resume checkpoints
    log_every: int = 10
    threads: int | None = None  # torch.set_num_threads

    def __post_init__(self) -> None:
        given, self.curriculum = self.curriculum, parse_curriculum(self.curriculum)
        check_curriculum_order(curriculum_plan(self.curriculum, self.segment_size), given)
        self.lr_from = parse_from(self.lr_from, "--lr-from")
        self.steps_from = parse_from(self.steps_from, "--steps-from", whole=True)

    @property
    def effective_attention_dropout(self) -> float | None:
        """``attention_dropout``, else ``dropout`` (None: the backbone's own)."""
        return self.dropout if self.attention_dropout is None else self.attention_dropout

    @property
    def stage_plan(self) -> list[tuple[int, int]]:
        """(segments, segment size) of each stage actually trained (``--no-curriculum``: the
        curriculum's last stage alone)."""
        plan = curriculum_plan(self.curriculum, self.segment_size)
        return plan[-1:] if self.no_curriculum else plan

    @property
    def stage_fewest_segments(self) -> tuple[int, ...]:
        """The fewest segments a training sample of each stage trained has (``A-B`` stages:
        A; others: their count)."""
        fewest = curriculum_fewest_segments(self.curriculum)
        return tuple(fewest[-1:] if self.no_curriculum else fewest)

    @property
    def has_mixed_stages(self) -> bool:
        """True when a trained stage draws its samples' segment counts (``A-B``)."""
        return self.stage_fewest_segments != self.stage_segments

    @property
    def stage_segments(self) -> tuple[int, ...]:
        """Segments of each stage actually trained (one stage for ``--no-curriculum``)."""
        return tuple(n for n, _ in self.stage_plan)

    @property
    def stage_segment_sizes(self) -> tuple[int, ...]:
        """Tokens per segment of each stage actually trained."""
        return tuple(size for _, size in self.stage_plan)

    @property
    def changes_segment_size(self) -> bool:
        """True when the trained stages use more than one segment size (``NxS`` stages)."""
        return len(set(self.stage_segment_sizes)) > 1

    @property
    def final_segment_size(self) -> int:
        """The segment size of the last stage, the one the final model is saved with."""
        return self.stage_plan[-1][1]

    @property
    def stage_steps(self) -> tuple[int, ...]:
        """The step budget of each stage trained (``--steps-per-stage``, or ``--steps-from``'s
        cap for the long ones); the ablation gets the whole curriculum's budget in its one
        stage."""
        plan = curriculum_plan(self.curriculum, self.segment_size)
        steps = [value_at(self.steps_per_stage, self.steps_from, n) for n, _ in plan]
        return (sum(steps),) if self.no_curriculum else tuple(steps)

    def stage_advance_at(self, segments: int) -> float | None:
        """``--advance-at`` for a stage of ``segments`` segments; None (run every step) for
        a stage that ``--steps-from`` caps: validation at the training length saturates
        before longer lengths do (session 22: a 32-segment stage ended at 20 of its 30 steps
        at validation 0.98 and scored 67 of 80 at 32k-128k, against 76 of 80 for all 30)."""
        capped = value_at(None, self.steps_from, segments) is not None
        return None if capped else self.advance_at

    @property
    def armt_sizes(self) -> tuple[int, int]:
        """(key size, nu) of the ARMT's associative memory, defaults filled in."""
        key_size = ARMT_DEFAULT_KEY_SIZE if self.armt_key_size is None else self.armt_key_size
        return key_size, ARMT_DEFAULT_NU if self.armt_nu is None else self.armt_nu

    def _check_distractors(self) -> None:
        from generators.distractors import DISTRACTOR_KINDS
        from generators.tasks import get_task

        for flag, value in (
            ("--distractors", self.distractors),
            ("--noise-distractors", self.noise_distractors),
        ):
            if not value:
                continue
            if value < 0:
                raise BenchInputError(f"{flag} must be >= 0, got {value}")
            if self.data is not None:
                raise BenchInputError(f"{flag} applies to generated samples, not to --data")
            if get_task(self.task or "").fact_kind not in DISTRACTOR_KINDS:
                raise BenchInputError(
                    f"{flag} applies to memorize and detect_memorize, not {self.task!r}"
                )
        if self.noise_distractors and self.armt_gate_supervision:
            raise BenchInputError(
                "--noise-distractors puts non-facts among the facts that "
                "--armt-gate-supervision marks: use one of them"
            )

    def _check_same_axis(self) -> None:
        from generators.tasks import get_task
        from generators.world import check_same_axis

        check_same_axis(self.same_axis, "--same-axis")
        if get_task(self.task or "").fact_kind != "qa4":
            raise BenchInputError(f"--same-axis applies to reasoning, not {self.task!r}")
        if self.data is not None or self.facts != "builtin":
            raise BenchInputError(
                "--same-axis applies to the built-in facts generated on the fly, "
                "not to --data or --facts babi:..."
            )

    def validate(self) -> TrainConfig:
        """Raise ``BenchInputError`` naming the first bad option; return self."""
        if not self.task:
            raise BenchInputError("--task is required (e.g. --task detect_memorize)")
        if not 0 <= self.seed < 2**63:
            raise BenchInputError(f"--seed must be in [0, 2**63), got {self.seed}")
        _choice("--grad-clip-mode", self.grad_clip_mode, CLIP_MODES)
        _choice("--segment-mix", self.segment_mix, SEGMENT_MIXES)
        if self.data is not None and self.segment_mix != "exact":
            raise BenchInputError("--segment-mix applies to generated samples, not to --data")
        if self.data is not None and self.has_mixed_stages:
            raise BenchInputError(
                "--curriculum A-B stages draw generated samples, not --data rows: give N"
            )
        if self.changes_segment_size:
            if self.data is not None:
                raise BenchInputError(
                    "--data rows are sorted by segments of --segment-size: give a --curriculum "
                    "without NxS stages"
                )
            if self.model_kind not in ("rmt", "armt"):
                raise BenchInputError(
                    f"--curriculum NxS stages change the segment size, which only "
                    f"--model-kind rmt and armt have (not {self.model_kind!r})"
                )
        check_precision(self.precision)
        for name in ("segment_size", "steps_per_stage", "val_every", "val_samples"):
            _positive(name, getattr(self, name))
        for name in ("batch_size", "grad_accum", "checkpoint_every", "log_every"):
            _positive(name, getattr(self, name))
        if self.memory_tokens < 0:
            raise BenchInputError(f"--memory-tokens must be >= 0, got {self.memory_tokens}")
        if self.bptt_depth is not None and self.bptt_depth < 1:
            raise BenchInputError(f"--bptt-depth must be >= 1, got {self.bptt_depth}")
        from rmt_bench.rmt.config import MEMORY_UPDATES  # the package imports torch: lazily

        _choice("--memory-update", self.memory_update, MEMORY_UPDATES)
        if self.memory_update != "replace" and self.model_kind != "rmt":
            raise BenchInputError(
                f"--memory-update {self.memory_update} applies to --model-kind rmt only, "
                f"not {self.model_kind!r}"
            )
        if self.memory_gate_bias is not None and self.memory_update != "gated":
            raise BenchInputError("--memory-gate-bias applies to --memory-update gated only")
        if self.memory_update != "replace" and self.memory_tokens < 1:
            raise BenchInputError(
                f"--memory-update {self.memory_update} needs --memory-tokens >= 1"
            )
        if not 0 <= self.carry_memory < 1:
            raise BenchInputError(f"--carry-memory must be in [0, 1), got {self.carry_memory}")
        if self.carry_memory and self.model_kind == "full-attention":
            raise BenchInputError(
                "--carry-memory needs a recurrent model (--model-kind rmt or armt)"
            )
        if self.distractors or self.noise_distractors:
            self._check_distractors()
        if self.same_axis is not None:
            self._check_same_axis()
        if self.extend_positions is not None:
            if self.extend_positions < 1:
                raise BenchInputError(
                    f"--extend-positions must be >= 1, got {self.extend_positions}"
                )
            if self.model_kind != "full-attention":
                raise BenchInputError(
                    "--extend-positions applies to --model-kind full-attention only "
                    f"(a {self.model_kind} model reads any length segment by segment)"
                )
        if self.lora_r < 0:
            raise BenchInputError(f"--lora-r must be >= 0, got {self.lora_r}")
        if self.lr <= 0 or self.warmup < 0 or self.weight_decay < 0:
            raise BenchInputError("--lr must be > 0, --warmup and --weight-decay >= 0")
        if self.grad_clip is not None and self.grad_clip < 0:
            raise BenchInputError(f"--grad-clip must be >= 0 (0: off), got {self.grad_clip}")
        if self.advance_at is not None and not 0 < self.advance_at <= 1:
            raise BenchInputError(f"--advance-at is an accuracy in (0, 1], got {self.advance_at}")
        if self.patience is not None and self.patience < 1:
            raise BenchInputError(f"--patience must be >= 1, got {self.patience}")
        for name in ("dropout", "attention_dropout"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < 1:
                flag = "--" + name.replace("_", "-")
                raise BenchInputError(f"{flag} must be in [0, 1), got {value}")
        self._validate_armt()
        if self.batch_size % self.grad_accum:
            raise BenchInputError(
                f"--batch-size {self.batch_size} is not divisible by --grad-accum {self.grad_accum}"
            )
        return self

    def _validate_armt(self) -> None:
        given = [
            flag
            for flag, value in (
                ("--armt-key-size", self.armt_key_size),
                ("--armt-nu", self.armt_nu),
                ("--armt-write-penalty", self.armt_write_penalty),
                ("--armt-gate-supervision", self.armt_gate_supervision),
                ("--armt-fresh-memory-tokens", self.armt_fresh_memory_tokens),
            )
            if value is not None
        ]
        if self.model_kind != "armt":
            if given:
                raise BenchInputError(
                    f"{given[0]} applies to --model-kind armt only, not {self.model_kind!r}"
                )
            return
        key_size, nu = self.armt_sizes
        if not isinstance(key_size, int) or not 1 <= key_size <= ARMT_MAX_KEY_SIZE:
            raise BenchInputError(
                f"--armt-key-size must be an integer in [1, {ARMT_MAX_KEY_SIZE}], got {key_size!r}"
            )
        if not isinstance(nu, int) or not 1 <= nu < 2 * key_size:
            raise BenchInputError(
                f"--armt-nu must be an integer in [1, 2 x key size = {2 * key_size}), got {nu!r}"
            )
        for flag, weight in (
            ("--armt-write-penalty", self.armt_write_penalty),
            ("--armt-gate-supervision", self.armt_gate_supervision),
        ):
            if weight is not None and not (
                isinstance(weight, (int, float)) and math.isfinite(weight) and weight >= 0
            ):
                raise BenchInputError(f"{flag} must be a finite number >= 0, got {weight!r}")
        if self.memory_tokens < 1:
            raise BenchInputError(
                "--model-kind armt needs --memory-tokens >= 1 (they write the associative "
                f"memory), got {self.memory_tokens}"
            )


def _choice(flag: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise BenchInputError(f"{flag} must be one of {', '.join(allowed)}; got {value!r}")


def _positive(name: str, value: int) -> None:
    if value < 1:
        raise BenchInputError(f"--{name.replace('_', '-')} must be >= 1, got {value}")


def upgrade_options(values: Mapping[str, Any], origin: str = "options") -> dict[str, Any]:
    """``values`` with renamed options under their new names and values (``RENAMED``).

    A value given under both names must agree; the new name wins otherwise.
    """
    upgraded = dict(values)
    for old, (new, convert) in RENAMED.items():
        if old not in upgraded:
            continue
        value = upgraded.pop(old)
        if value is None:
            continue
        converted = convert(value)
        if upgraded.get(new) not in (None, converted):
            raise BenchInputError(
                f"{origin}: {old}={value!r} and {new}={upgraded[new]!r} disagree; give only {new}"
            )
        log.info("%s: the option %s is now %s (%s=%s)", origin, old, new, new, converted)
        upgraded[new] = converted
    return upgraded


def saved_options(values: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """A saved run's options in today's terms: renamed ones upgraded, newer ones at default."""
    from rmt_bench.config import config_to_dict

    defaults = config_to_dict(TrainConfig())
    return {**defaults, **upgrade_options(values, origin)}


def resolve_train_config(
    config_file: str | None = None, overrides: Mapping[str, Any] | None = None
) -> TrainConfig:
    """Defaults < preset < file < overrides (None values in ``overrides`` are ignored)."""
    overrides = {key: value for key, value in (overrides or {}).items() if value is not None}
    overrides = upgrade_options(overrides)
    file_values: dict[str, Any] = {}
    if config_file is not None:
        file_values = {
            str(key).replace("-", "_"): value
            for key, value in load_config_file(config_file).items()
        }
        file_values = upgrade_options(file_values, str(config_file))
    preset = overrides.get("preset", file_values.get("preset"))
    task = overrides.get("task", file_values.get("task"))
    kind = overrides.get("model_kind", file_values.get("model_kind"))
    below_file = {
        key: value
        for key, value in preset_values(preset, task, kind).items()
        if key not in file_values
    }
    return resolve_config(
        TrainConfig, config_file, {**below_file, **overrides}, upgrade=upgrade_options
    ).validate()


def config_fields() -> tuple[str, ...]:
    """The names of every ``TrainConfig`` field."""
    return tuple(f.name for f in dataclasses.fields(TrainConfig))
