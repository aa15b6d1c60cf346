"""Per-stage values for a curriculum's long stages: ``--lr-from`` and ``--steps-from``.

Each curriculum stage builds a fresh optimizer and schedule (``rmt_bench.train.optim``)
at ``--lr`` and runs at most ``--steps-per-stage`` steps. ``--lr-from 16:1e-4`` changes
the rate from the first stage with 16 or more segments on; ``--steps-from 32:30`` runs
every stage of 32 or more segments for 30 steps, without ``--advance-at``'s early end
(``TrainConfig.stage_advance_at``). Several steps are comma-separated and ascend
(``16:1e-4,64:5e-5``); a stage takes the last one at or below its segment count.

Measured here (docs/experiments.md): at lr 3e-4 the ARMT's 32- and 64-segment Detect &
Memorize stages lost what the short stages had learned (run D1), and the RMT's 64-segment
stage at the preset's 1e-4 fell to chance (session 21, GX) while 3e-5 lifted every seed
(GV); a long stage costs about a minute a step on 2 cores, hence its own step budget.

    lrs = parse_from("16:1e-4,64:5e-5", "--lr-from")        # ((16, 1e-4), (64, 5e-5))
    value_at(3e-4, lrs, segments=32)                         # 1e-4
    steps = parse_from("32:30", "--steps-from", whole=True)  # ((32, 30),)
    format_from(lrs)                                         # "16:0.0001,64:5e-05"
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from generators.errors import BenchInputError

StageSchedule = tuple[tuple[int, Any], ...]

_WHAT = {"--lr-from": "LR", "--steps-from": "STEPS"}


def parse_from(value: str | Sequence[Any] | None, flag: str, whole: bool = False) -> StageSchedule:
    """``"16:1e-4,64:5e-5"`` or ``[[16, 1e-4], ...]`` -> ``((16, 1e-4), (64, 5e-5))``.

    ``flag`` names the option in errors; ``whole``: the values are step counts (int >= 1)
    instead of finite positive floats.
    """
    if value is None:
        return ()
    what = _WHAT.get(flag, "VALUE")
    if isinstance(value, str):
        pairs: list[Any] = [part.split(":") for part in value.split(",") if part.strip()]
    else:
        pairs = [list(pair) if isinstance(pair, (list, tuple)) else [pair] for pair in value]
    schedule: list[tuple[int, Any]] = []
    for pair in pairs:
        try:
            if len(pair) != 2:
                raise ValueError
            segments = int(str(pair[0]).strip())
            number = int(str(pair[1]).strip()) if whole else float(str(pair[1]).strip())
        except (TypeError, ValueError) as error:
            example = "32:30,64:20" if whole else "16:1e-4,64:5e-5"
            raise BenchInputError(
                f"{flag} takes SEGMENTS:{what} pairs like {example}; got {value!r}"
            ) from error
        if segments < 1 or not (number > 0 and math.isfinite(number)):
            kind = "a whole" if whole else "a finite"
            raise BenchInputError(
                f"{flag} needs segments >= 1 and {kind} {what.lower()} > 0; "
                f"got {segments}:{number:g}"
            )
        schedule.append((segments, number))
    if any(b[0] <= a[0] for a, b in zip(schedule, schedule[1:], strict=False)):
        raise BenchInputError(f"{flag} segment counts must ascend; got {value!r}")
    return tuple(schedule)


def value_at(base: Any, schedule: StageSchedule, segments: int) -> Any:
    """The value for a stage of ``segments`` segments: the last step at or below it, else
    ``base``."""
    value = base
    for start, number in schedule:
        if segments >= start:
            value = number
    return value


def format_from(schedule: StageSchedule) -> str:
    """The flag spelling of ``schedule`` (empty when there is none)."""
    return ",".join(f"{segments}:{number:g}" for segments, number in schedule)
