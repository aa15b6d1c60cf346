"""Checks made before the first training step, so a run never fails stages in.

    check_stage_lengths(model, stages, segment_size)   # BenchInputError naming the fix
    check_stage_segment_sizes(model, stages)           # every NxS stage's size fits

A model with a fixed window (``max_tokens``: full attention reads context +
question in one pass) must fit the longest stage's samples; an RMT has no
``max_tokens`` and reads any length. The error says which stage does not fit and
which ``--segment-size`` / ``--curriculum`` would, or which ``--extend-positions``
(full attention: the position table tiled, ``TrainConfig.extend_positions``).
A curriculum whose stages change the segment size (``--curriculum 1,2,4x480``)
needs each size to fit the backbone's positions next to the memory tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generators.errors import BenchInputError
from rmt_bench.train.curriculum import segment_sizes


def check_stage_lengths(model: Any, stages: Sequence[Any], segment_size: int) -> None:
    """Refuse a curriculum whose longest stage exceeds the model's one-pass window."""
    window = getattr(model, "max_tokens", None)
    if not isinstance(window, int) or not stages:
        return
    too_long = [stage for stage in stages if stage.length > window]
    if not too_long:
        return
    first = too_long[0]
    most = max(stage.segments for stage in stages)
    fits = [stage.segments for stage in stages if stage.length <= window]
    kind = getattr(model, "kind", type(model).__name__)
    positions = getattr(model, "max_positions", window)
    tile = ""
    if callable(getattr(model, "extend_positions", None)):  # a learned table can be tiled
        longest = max(stage.length for stage in stages)
        tile = f", or tile its positions with --extend-positions {longest + positions - window}"
    raise BenchInputError(
        f"stage {first.index + 1} needs {first.segments} x {segment_size} = {first.length} "
        f"tokens but this {kind} model reads at most {window} "
        f"({positions} positions): use --segment-size "
        f"{window // most} or a --curriculum of at most {window // segment_size} segments"
        + (f" (stages {','.join(map(str, fits))} fit)" if fits else "")
        + tile
    )


def check_stage_segment_sizes(model: Any, stages: Sequence[Any]) -> None:
    """Refuse stages whose segment size does not fit the model (one line naming it).

    Only a curriculum with several segment sizes is checked here (one size was checked when
    the model was built); the model is left cut for the first stage.
    """
    sizes = segment_sizes(stages)
    if len(sizes) < 2:
        return
    for size in sizes:
        model.set_segment_size(size)  # BenchInputError: "segment_size S does not fit ..."
    model.set_segment_size(stages[0].segment_size)
