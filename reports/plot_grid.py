"""The generalization grid: accuracy of models trained on K segments, evaluated on N segments.

    plot_generalization(generalization_table, "out/generalization_grid.png")

One heat map per task and memory kind (RMT, then ARMT: the table's ``kind`` column;
a table without it is all RMT), stacked so that every panel has the same columns: one per power
of two of evaluated segments, from the fewest to the most evaluated in any task (a
column a task did not run is grey). Tick labels give segments and tokens; each cell
prints accuracy (%) and its sample count; the cell at the training length is outlined
and chance accuracy is marked on the colour bar.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from reports.accuracy_marks import chance_level
from reports.style import (
    MEMORY_KINDS,
    format_length,
    kind_colour,
    kind_label,
    plt,
    power_of_two_ticks,
    save_figure,
    task_name,
    task_order,
)

CMAP = "viridis"


def _panels(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(task, kind) pairs present, tasks in the paper's order, RMT before ARMT in each task."""
    present = set(zip(table["task"], table["kind"], strict=True))
    order = {kind: i for i, kind in enumerate(MEMORY_KINDS)}
    return [
        (task, kind)
        for task in task_order(table["task"])
        for kind in sorted({k for t, k in present if t == task}, key=lambda k: (order.get(k, 9), k))
    ]


def _part(table: pd.DataFrame, task: str, kind: str) -> pd.DataFrame:
    return table[(table["task"] == task) & (table["kind"] == kind)]


def _segment_size(part: pd.DataFrame) -> int | None:
    if "segment_size" in part:
        sizes = pd.to_numeric(part["segment_size"], errors="coerce").dropna()
        if not sizes.empty:
            return int(sizes.iloc[0])
    ratio = (part["length"] / part["segments"]).round()
    return int(ratio.median()) if not ratio.empty and ratio.nunique() == 1 else None


def _tick(segments: int, size: int | None, measured: dict[int, set[int]]) -> str:
    """Segments over tokens; a column pooling several token lengths (a 512-token sample is 2
    segments of 480, as a 960-token one is) shows their range."""
    lengths = sorted(measured.get(segments, ()))
    if len(lengths) > 1:
        return f"{segments}\n{format_length(lengths[0])}-{format_length(lengths[-1])}"
    tokens = lengths[0] if lengths else (segments * size if size else None)
    return f"{segments}\n{format_length(tokens)}" if tokens else f"{segments}\n?"


def plot_generalization(table: pd.DataFrame, path: str | Path) -> Path:
    """Per task and kind a heat map: rows = segments trained on, columns = segments evaluated on."""
    if "kind" not in table:
        table = table.assign(kind="rmt")
    panels = _panels(table)
    tasks = task_order(table["task"])
    columns = power_of_two_ticks([int(v) for v in table["segments"]])
    heights = [max(1, _part(table, t, k)["train_segments"].nunique()) for t, k in panels]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(max(8.0, 0.62 * len(columns) + 3.0), 1.6 + 0.62 * sum(heights)
                                 + 1.0 * len(panels)),
        squeeze=False, gridspec_kw={"height_ratios": heights}, layout="constrained",
    )  # fmt: skip
    chance = chance_level(tasks)
    image = None
    for ax, (task, kind) in zip(axes[:, 0], panels, strict=True):
        part = _part(table, task, kind)
        size = _segment_size(part)
        trained = sorted(int(v) for v in part["train_segments"].unique())
        grid = np.full((len(trained), len(columns)), np.nan)
        counts = np.zeros_like(grid)
        for row in part.itertuples():
            i, j = trained.index(int(row.train_segments)), columns.index(int(row.segments))
            grid[i, j], counts[i, j] = row.accuracy, row.n
        cmap = plt.get_cmap(CMAP).with_extremes(bad="#dddddd")
        image = ax.imshow(100 * np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=100,
                          aspect="auto", interpolation="nearest")  # fmt: skip
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                value = grid[i, j]
                if math.isnan(value):
                    ax.text(j, i, "not\nrun", ha="center", va="center", fontsize=6, color="#888888")
                    continue
                colour = "white" if value < 0.6 else "black"
                ax.text(j, i - 0.12, f"{100 * value:.0f}", ha="center", va="center", fontsize=8,
                        color=colour, fontweight="bold")  # fmt: skip
                ax.text(j, i + 0.25, f"n={int(counts[i, j])}", ha="center", va="center",
                        fontsize=5.5, color=colour)  # fmt: skip
            if trained[i] in columns:  # outline the cell at the training length
                j = columns.index(trained[i])
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#d62728",
                                       linewidth=2.0))  # fmt: skip
        measured: dict[int, set[int]] = {}
        for s, n in zip(part["segments"], part["length"], strict=True):
            measured.setdefault(int(s), set()).add(int(n))
        ax.set_xticks(range(len(columns)), [_tick(c, size, measured) for c in columns], fontsize=7)
        ax.set_yticks(range(len(trained)),
                      [f"{k} ({format_length(k * size)})" if size else str(k) for k in trained],
                      fontsize=8)  # fmt: skip
        ax.set_ylabel("trained on\nsegments (tokens)", fontsize=8)
        unit = f"; segment = {size} tokens" if size else ""
        ax.set_title(f"{task_name(task)}: {kind_label(kind)}{unit}", loc="left", fontsize=10,
                     fontweight="bold", color=kind_colour(kind) if kind != "rmt" else "black")  # fmt: skip
    axes[-1, 0].set_xlabel("evaluated on: segments (upper line) / tokens (lower line)")
    bar = fig.colorbar(image, ax=axes[:, 0].tolist(), label="accuracy (%)", shrink=0.9, pad=0.02)
    if chance is not None:
        bar.ax.axhline(100 * chance, color="white", linewidth=2)
        bar.ax.text(1.6, 100 * chance, f" chance\n {100 * chance:.0f}%", va="center",
                    fontsize=7, transform=bar.ax.get_yaxis_transform())  # fmt: skip
    names = " and ".join(kind_label(k) for k in dict.fromkeys(k for _, k in panels))
    fig.suptitle(
        f"Generalization: {names} accuracy (%) by training length (rows) and evaluation length "
        "(columns)\nred outline: evaluated at the training length; n: samples per cell; "
        "grey: not run",
        x=0.01, ha="left", fontsize=10,
    )  # fmt: skip
    return save_figure(fig, path)
