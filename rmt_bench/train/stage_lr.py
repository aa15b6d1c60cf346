"""Per-stage learning rates (``--lr-from``): a lower rate for a curriculum's long stages.

Each curriculum stage builds a fresh optimizer and schedule (``rmt_bench.train.optim``)
at ``--lr``. ``--lr-from 16:1e-4`` changes that rate from the first stage with 16 or
more segments on; several steps are comma-separated and ascend (``16:1e-4,64:5e-5``).
Measured here (docs/experiments.md, run D1): at lr 3e-4 the ARMT's 32- and 64-segment
Detect & Memorize stages lost what the short stages had learned (validation 0.58 after
20 steps at 64 segments), while lr 1e-4 from stage 1 on left stage 1 at chance after
100 steps.

    schedule = parse_lr_from("16:1e-4,64:5e-5")   # ((16, 1e-4), (64, 5e-5))
    stage_lr(3e-4, schedule, segments=32)          # 1e-4
    format_lr_from(schedule)                       # "16:0.0001,64:5e-05"
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from generators.errors import BenchInputError

LrSchedule = tuple[tuple[int, float], ...]


def parse_lr_from(value: str | Sequence[Any] | None) -> LrSchedule:
    """``"16:1e-4,64:5e-5"`` or ``[[16, 1e-4], ...]`` -> ``((16, 1e-4), (64, 5e-5))``."""
    if value is None:
        return ()
    if isinstance(value, str):
        pairs: list[Any] = [part.split(":") for part in value.split(",") if part.strip()]
    else:
        pairs = [list(pair) if isinstance(pair, (list, tuple)) else [pair] for pair in value]
    schedule: list[tuple[int, float]] = []
    for pair in pairs:
        try:
            if len(pair) != 2:
                raise ValueError
            segments, lr = int(str(pair[0]).strip()), float(str(pair[1]).strip())
        except (TypeError, ValueError) as error:
            raise BenchInputError(
                f"--lr-from takes SEGMENTS:LR pairs like 16:1e-4,64:5e-5; got {value!r}"
            ) from error
        if segments < 1 or not (lr > 0 and math.isfinite(lr)):
            raise BenchInputError(
                f"--lr-from needs segments >= 1 and a finite lr > 0; got {segments}:{lr:g}"
            )
        schedule.append((segments, lr))
    if any(b[0] <= a[0] for a, b in zip(schedule, schedule[1:], strict=False)):
        raise BenchInputError(f"--lr-from segment counts must ascend; got {value!r}")
    return tuple(schedule)


def stage_lr(base: float, schedule: LrSchedule, segments: int) -> float:
    """The learning rate of a stage of ``segments`` segments: the last step at or below it."""
    lr = base
    for start, value in schedule:
        if segments >= start:
            lr = value
    return lr


def format_lr_from(schedule: LrSchedule) -> str:
    """The ``--lr-from`` spelling of ``schedule`` (empty when there is none)."""
    return ",".join(f"{segments}:{lr:g}" for segments, lr in schedule)
