"""Draw the paper's figures from the tables of :mod:`reports.tables` (matplotlib, Agg).

    plot_accuracy_vs_length(headline_table, "out/accuracy_vs_length.png")
    plot_generalization(generalization_table, "out/generalization_grid.png")
    plot_flops(flops_table, "out/flops_vs_length.png")
    plot_efficiency(efficiency_table, "out/efficiency_vs_length.png")
    plot_curriculum(curriculum_table, "out/curriculum_ablation.png")
    plot_training(training_table, "out/training_curves.png")

Each function draws one PNG and returns its path; it never reads result files. The
accuracy figures live in plot_accuracy.py, the grid in plot_grid.py, efficiency in
plot_efficiency.py and training curves in plot_training.py; the FLOPs figure is here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reports.plot_accuracy import plot_accuracy_vs_length, plot_curriculum
from reports.plot_efficiency import plot_efficiency
from reports.plot_grid import plot_generalization
from reports.plot_training import plot_training
from reports.style import PAPER_MAX_LENGTH, format_length, plt, save_figure, setup_length_axis


def plot_flops(table: pd.DataFrame, path: str | Path) -> Path:
    """Forward FLOPs vs length: RMT (solid), ARMT (dotted, where the table has it) and full
    attention (dashed) per model size; the full / RMT ratio annotated."""
    fig, ax = plt.subplots(figsize=(8, 5))
    models = list(dict.fromkeys(table["model"]))
    colours = plt.get_cmap("viridis")(np.linspace(0.05, 0.85, len(models)))
    for model, colour in zip(models, colours, strict=True):
        part = table[table["model"] == model].sort_values("length")
        ax.plot(part["length"], part["full_attention_flops"], "--", color=colour, linewidth=1.6)
        ax.plot(part["length"], part["rmt_flops"], "-", color=colour, linewidth=2, label=model)
        if "armt_flops" in part:
            ax.plot(part["length"], part["armt_flops"], ":", color=colour, linewidth=2.2)
        last = part.iloc[-1]
        ax.annotate(
            f"x{last['ratio']:.0f}",
            (last["length"], last["rmt_flops"]),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=colour,
            fontweight="bold",
        )
    ax.set_yscale("log")
    setup_length_axis(ax, list(table["length"]), up_to=PAPER_MAX_LENGTH)
    ax.set_ylabel("forward FLOPs per sample (one input of that length)")
    ax.grid(True, which="major", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        plt.Line2D([], [], color="black", linestyle="-"),
        plt.Line2D([], [], color="black", linestyle="--"),
    ]
    labels += ["RMT (segment 512)", "full attention"]
    if "armt_flops" in table:
        handles.append(plt.Line2D([], [], color="black", linestyle=":", linewidth=2.2))
        labels.append("ARMT (RMT + associative memory;\nkey size 32, nu 3, 10 memory states)")
    ax.legend(handles, labels, loc="upper left", fontsize=8)
    kinds = "RMT and ARMT" if "armt_flops" in table else "RMT"
    ax.set_title(f"Forward FLOPs per sample vs input length: {kinds} vs full attention, OPT sizes")
    ax.text(
        0.99,
        0.02,
        "xN: full attention / RMT at the longest input\nChinchilla counting, no LM-head logits;\n"
        "RMT memory tokens (and special tokens) are left out, as in the paper",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color="#444444",
    )
    ax.set_xlim(right=ax.get_xlim()[1] * 2.2)
    return save_figure(fig, path)


__all__ = [
    "format_length",
    "plot_accuracy_vs_length",
    "plot_curriculum",
    "plot_efficiency",
    "plot_flops",
    "plot_generalization",
    "plot_training",
]
