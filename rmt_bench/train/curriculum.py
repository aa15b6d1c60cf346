"""The curriculum: which stages run, and where a run stands (resumable state).

Stage ``k`` (0-based) trains on ``segments[k]`` segments of ``segment_size`` tokens
(one size, or one per stage: ``--curriculum 1,2,4x480``), i.e. samples of
``segments[k] * segment_size`` tokens (context + question; the RMT right-aligns
them, so the question sits in the last segment). A mixed stage (``--curriculum
1,4,8-32``) trains on samples of ``fewest_segments`` .. ``segments`` segments and
validates on ``segments``. It starts from stage ``k-1``'s
best checkpoint, runs at most ``max_steps`` optimizer steps, validates every
``val_every`` steps and ends early once validation accuracy reaches ``advance_at``
or after ``patience`` validations without improvement (early stopping).

``CurriculumState`` is the part of the resume checkpoint that says where the run
is; it is plain JSON:

    state = CurriculumState()
    state.stage, state.step_in_stage, state.global_step, state.best_accuracy
    state.to_json() / CurriculumState.from_json(data)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Stage:
    """One curriculum stage."""

    index: int  # 0-based; its checkpoint folder is ``stage-{index + 1}`` (1-based)
    segments: int
    length: int  # tokens per sample (context + question)
    max_steps: int
    # a mixed stage (``--curriculum A-B``): training samples have fewest..segments
    # segments; None: exactly ``segments`` (or ``--segment-mix``'s draw)
    fewest_segments: int | None = None

    @property
    def segment_size(self) -> int:
        """Tokens per segment of this stage's samples."""
        return self.length // self.segments

    @property
    def dirname(self) -> str:
        """The folder of this stage's best checkpoint, ``stage-K`` with K = index + 1."""
        return f"stage-{self.index + 1}"


def segment_sizes(stages: Sequence[Stage]) -> list[int]:
    """The segment sizes the stages train on, each once, in stage order."""
    return list(dict.fromkeys(stage.segment_size for stage in stages))


def plan_stages(
    segments: tuple[int, ...],
    segment_size: int | Sequence[int],
    steps_per_stage: int | Sequence[int],
    fewest_segments: Sequence[int] | None = None,
) -> list[Stage]:
    """The stages for ``segments`` per stage (sample length = segments x segment size).

    ``segment_size`` and ``steps_per_stage`` are one value for every stage or one per
    stage; ``fewest_segments`` (one per stage) makes a stage whose count is larger a mixed
    stage (``A-B``).
    """
    sizes = [segment_size] * len(segments) if isinstance(segment_size, int) else segment_size
    steps = (
        [steps_per_stage] * len(segments) if isinstance(steps_per_stage, int) else steps_per_stage
    )
    fewest = list(segments) if fewest_segments is None else list(fewest_segments)
    if len(sizes) != len(segments):
        raise ValueError(f"{len(sizes)} segment sizes for {len(segments)} stages")
    if len(steps) != len(segments):
        raise ValueError(f"{len(steps)} step budgets for {len(segments)} stages")
    if len(fewest) != len(segments):
        raise ValueError(f"{len(fewest)} fewest segment counts for {len(segments)} stages")
    return [
        Stage(
            index=k,
            segments=n,
            length=n * size,
            max_steps=budget,
            fewest_segments=low if low < n else None,
        )
        for k, (n, size, budget, low) in enumerate(zip(segments, sizes, steps, fewest, strict=True))
    ]


@dataclass
class CurriculumState:
    """Where training stands; saved with every resume checkpoint."""

    stage: int = 0  # index of the stage being trained (== len(stages) when all are done)
    step_in_stage: int = 0  # optimizer steps done in this stage
    global_step: int = 0  # optimizer steps done in the whole run
    best_accuracy: float = -1.0  # best validation accuracy of this stage so far
    best_step: int = -1  # step_in_stage of that best checkpoint
    stale_validations: int = 0  # validations since the best one (early stopping)
    stage_started: bool = False  # the stage's start weights are loaded, optimizer built
    elapsed: float = 0.0  # training wall time so far, all sessions together (seconds)
    history: list[dict[str, Any]] = field(default_factory=list)  # one entry per finished stage

    def start_stage(self, stage: int) -> None:
        """Move to ``stage`` with fresh per-stage counters."""
        self.stage = stage
        self.step_in_stage = 0
        self.best_accuracy = -1.0
        self.best_step = -1
        self.stale_validations = 0
        self.stage_started = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CurriculumState:
        """The inverse of :meth:`to_json`."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


def is_finished(state: CurriculumState, stages: list[Stage]) -> bool:
    """True once every stage has been trained."""
    return state.stage >= len(stages)


def should_end_stage(
    state: CurriculumState, stage: Stage, advance_at: float | None, patience: int | None = None
) -> bool:
    """A stage ends at its step budget, once its best validation accuracy reaches
    ``advance_at``, or after ``patience`` validations in a row without improvement."""
    if state.step_in_stage >= stage.max_steps:
        return True
    if patience is not None and state.stale_validations >= patience:
        return True
    return advance_at is not None and state.best_accuracy >= advance_at
