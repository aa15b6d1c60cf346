"""Time and memory per sample vs input length, one line per model.

    plot_efficiency(efficiency_table, "out/efficiency_vs_length.png")

Three panels: peak process RSS, the model's own peak memory (CUDA allocator peak; only
where the rows record it) and seconds per sample (median, bars from the 10th to the
90th percentile over samples). Colour = task, line style = model kind. Lines join only
neighbouring measured lengths; lengths where a model skipped every sample are listed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from reports.plot_accuracy import model_label
from reports.style import (
    MARKERS,
    contiguous_runs,
    format_length,
    kind_style,
    plt,
    save_figure,
    setup_length_axis,
    task_colour,
    task_name,
)


def _line(ax: plt.Axes, part: pd.DataFrame, column: str, style: dict, spread=None) -> bool:
    part = part[part[column].notna()].sort_values("length")
    if part.empty:
        return False
    x = part["length"].to_numpy(dtype=float)
    y = part[column].to_numpy(dtype=float)
    position = {int(v): i for i, v in enumerate(part["length"])}
    for run in contiguous_runs(list(position)):
        chosen = [position[v] for v in run]
        ax.plot(x[chosen], y[chosen], color=style["color"], linestyle=style["linestyle"],
                linewidth=1.6)  # fmt: skip
    if spread is not None:
        low, high = (part[c].to_numpy(dtype=float) for c in spread)
        ax.errorbar(x, y, yerr=[np.maximum(y - low, 0), np.maximum(high - y, 0)], fmt="none",
                    ecolor=style["color"], elinewidth=1.0, capsize=2.5)  # fmt: skip
    ax.plot(x, y, linestyle="none", marker=style["marker"], color=style["color"], markersize=5)
    return True


def plot_efficiency(table: pd.DataFrame, path: str | Path) -> Path:
    """Peak RSS, model peak memory and seconds per sample vs length, one line per model."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.6), layout="constrained")
    ax_rss, ax_model, ax_time = axes
    measured = table[table["n"] > 0]
    handles, labels, notes = [], [], []
    models = (
        measured[["model", "kind", "task"]].drop_duplicates().sort_values(["task", "kind", "model"])
    )
    for index, (model, kind, task) in enumerate(models.itertuples(index=False)):
        part = measured[(measured["model"] == model) & (measured["task"] == task)]
        style = {"color": task_colour(task), "linestyle": kind_style(kind),
                 "marker": MARKERS[index % len(MARKERS)]}  # fmt: skip
        _line(ax_rss, part, "rss_peak_mb_median", style)
        _line(ax_model, part, "model_peak_mb_median", style)
        _line(ax_time, part, "seconds_median", style, spread=("seconds_p10", "seconds_p90"))
        handles.append(plt.Line2D([], [], color=style["color"], linestyle=style["linestyle"],
                                  marker=style["marker"]))  # fmt: skip
        labels.append(f"{task_name(task)}: {model_label(model, kind, task)}")
    for (model, task), part in table[(table["n"] == 0) & (table["skipped"] > 0)].groupby(
        ["model", "task"], sort=True
    ):
        kind = part["kind"].iloc[0]
        lengths = ", ".join(format_length(v) for v in sorted(part["length"]))
        notes.append(
            f"{task_name(task)}: {model_label(model, kind, task)} skipped every sample at {lengths}"
        )
    lengths = list(table["length"])
    for ax in axes:
        setup_length_axis(ax, lengths)
        ax.grid(True, which="major", alpha=0.3)
    top = pd.concat([measured["rss_peak_mb_median"], measured["model_peak_mb_median"]]).max()
    for ax in (ax_rss, ax_model):
        ax.set_ylim(bottom=0, top=1.15 * max(1.0, float(top) if pd.notna(top) else 1.0))
    ax_rss.set_ylabel("MiB (median over samples)")
    ax_rss.set_title("Peak process memory (RSS) per sample")
    ax_model.set_ylabel("MiB (median over samples)")
    ax_model.set_title("Model's own peak memory (CUDA allocator)")
    if measured["model_peak_mb_median"].isna().all():
        ax_model.text(0.5, 0.5, "not recorded in these rows\n(CPU runs, or rows written before\n"
                      "the model_peak_mb field)", transform=ax_model.transAxes, ha="center",
                      va="center", fontsize=9, color="#666666")  # fmt: skip
    spread = (measured["seconds_p90"] - measured["seconds_p10"]).abs()
    if not measured.empty and (spread <= 1e-9 * measured["seconds_median"].abs()).all():
        ax_time.text(0.02, 0.98, "no per-sample spread in these rows\n(one time per length only)",
                     transform=ax_time.transAxes, ha="left", va="top", fontsize=8, color="#666666")  # fmt: skip
    ax_time.set_yscale("log")
    ax_time.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax_time.set_ylabel("seconds per sample (log)")
    ax_time.set_title("Time per sample (median; bars: 10th-90th percentile)")
    if notes:
        handles.append(plt.Line2D([], [], linestyle="none"))
        labels.append("; ".join(notes) + " (over the position limit or out of memory)")
    fig.legend(handles, labels, loc="outside lower center", ncol=min(3, max(1, len(labels))),
               fontsize=8, frameon=False)  # fmt: skip
    fig.suptitle("Efficiency vs input length, one line per model (colour: task; line: model kind)",
                 x=0.01, ha="left", fontsize=12)  # fmt: skip
    return save_figure(fig, path)
