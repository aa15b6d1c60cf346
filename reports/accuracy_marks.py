"""How one accuracy series is drawn in every accuracy figure (points, intervals, n, gaps).

    draw_series(ax, curve, colour="#d62728", marker="o", label="RMT", index=0, count=2)
    mark_skipped(ax, lengths, colour)       # lengths where every sample was skipped
    mark_chance(ax, ["memorize"])           # dotted line at 1 / number of answer classes
    mark_training_length(ax, 320, colour, "trained on 5 x 64 tokens")

A series is a table with ``length, n, accuracy, ci_low, ci_high`` (accuracy in [0, 1]).
Each point is drawn with its 95% interval as an error bar and its sample count ``n``
printed above the bar; marker area grows with ``n``. Lines join only neighbouring
measured lengths (at most 2x apart), never across a length that was not run. Series that
share a panel are shifted sideways a little (``index`` of ``count``) so bars do not overlap.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from reports.style import CHANCE_STYLE, contiguous_runs, dodge, format_length, plt


def chance_level(tasks: list[str]) -> float | None:
    """1 / number of answer classes when every task has the same number; else None."""
    try:
        from generators import task_labels

        sizes = {len(task_labels(task)) for task in tasks}
    except Exception:  # a task the generators do not know (e.g. from another tool): no line
        return None
    return 1.0 / sizes.pop() if len(sizes) == 1 else None


def percent_axis(ax: plt.Axes, label: str = "accuracy (%)") -> None:
    ax.set_ylim(-4, 112)  # room above 100% for the n labels
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel(label)
    ax.grid(True, which="major", alpha=0.3)


def _marker_size(n: float) -> float:
    return 3.0 + 1.6 * math.sqrt(max(n, 0.0))  # n = 4 -> 6 pt, n = 32 -> 12 pt


def draw_series(
    ax: plt.Axes,
    curve: pd.DataFrame,
    *,
    colour: str,
    marker: str,
    label: str,
    index: int = 0,
    count: int = 1,
    linestyle: str = "-",
    show_n: bool = True,
) -> None:
    """Points with 95% interval bars and n, lines only between neighbouring measured lengths."""
    curve = curve[curve["n"] > 0].sort_values("length")
    if curve.empty:
        return
    x = dodge(curve["length"].to_numpy(dtype=float), index, count)
    y = 100 * curve["accuracy"].to_numpy(dtype=float)
    low = 100 * curve["ci_low"].to_numpy(dtype=float)
    high = 100 * curve["ci_high"].to_numpy(dtype=float)
    position = {int(length): i for i, length in enumerate(curve["length"])}
    for run in contiguous_runs(list(position)):
        if len(run) > 1:
            chosen = [position[v] for v in run]
            ax.plot(x[chosen], y[chosen], linestyle=linestyle, color=colour, linewidth=1.6)
    ax.errorbar(x, y, yerr=[y - low, high - y], fmt="none", ecolor=colour, elinewidth=1.1,
                capsize=2.5, alpha=0.85)  # fmt: skip
    for xi, yi, n in zip(x, y, curve["n"], strict=True):
        ax.plot([xi], [yi], marker=marker, color=colour, markersize=_marker_size(n),
                markeredgecolor="white", markeredgewidth=0.6, linestyle="none")  # fmt: skip
    if show_n:
        for xi, hi, n in zip(x, high, curve["n"], strict=True):
            ax.annotate(f"{int(n)}", (xi, min(hi, 100.0)), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=6.5, color=colour)  # fmt: skip
    # The legend entry: line + marker as drawn.
    ax.plot([], [], linestyle=linestyle, color=colour, marker=marker, markersize=6, label=label)


def mark_skipped(
    ax: plt.Axes, lengths: list[int], colour: str, index: int = 0, count: int = 1
) -> bool:
    """A hollow 'x' at 0% where every sample was skipped (over the position limit / memory)."""
    if not lengths:
        return False
    x = dodge(np.asarray(sorted(lengths), dtype=float), index, count)
    ax.plot(x, [0.0] * len(x), marker="x", color=colour, markersize=6, linestyle="none",
            markeredgewidth=1.4)  # fmt: skip
    return True


def mark_chance(ax: plt.Axes, tasks: list[str]) -> float | None:
    """A dotted horizontal line at chance accuracy (1 / answer classes); returns the level."""
    chance = chance_level(tasks)
    if chance is not None:
        ax.axhline(100 * chance, **CHANCE_STYLE, zorder=0,
                   label=f"chance (1/{round(1 / chance)} = {100 * chance:.0f}%)")  # fmt: skip
    return chance


def training_tokens(train_segments: object, segment_size: object) -> int | None:
    """Tokens of the longest training input (segments x segment size), None when unknown."""
    try:
        segments, size = int(train_segments), int(segment_size)
    except (TypeError, ValueError):
        return None
    return segments * size if segments > 0 and size > 0 else None


def training_label(train_segments: object, segment_size: object) -> str:
    tokens = training_tokens(train_segments, segment_size)
    if tokens is None:
        return ""
    return (
        f"trained on {int(train_segments)} x {int(segment_size)} = {format_length(tokens)} tokens"
    )


def mark_training_length(ax: plt.Axes, tokens: int | None, colour: str, label: str) -> None:
    """A vertical band edge at the training length: inputs right of it are longer than any
    input seen in training."""
    if tokens is None:
        return
    ax.axvline(tokens, color=colour, linestyle=(0, (4, 2)), linewidth=1.0, alpha=0.7, zorder=0,
               label=label)  # fmt: skip
