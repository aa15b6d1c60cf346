"""Draw the paper's figures from the tables of :mod:`reports.tables` (matplotlib, Agg).

    plot_accuracy_vs_length(accuracy_table, "reports/accuracy_vs_length.png")
    plot_generalization(generalization_table, "reports/generalization_grid.png")
    plot_flops(flops_table, "reports/flops_vs_length.png")
    plot_efficiency(efficiency_table, "reports/efficiency_vs_length.png")
    plot_curriculum(curriculum_table, "reports/curriculum_ablation.png")
    plot_training(training_table, "reports/training_curves.png")

Each function draws one PNG and returns its path; it never reads result files.
Accuracies are shown in percent with their 95% Wilson intervals shaded.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from reports.style import (
    MARKERS,
    format_length,
    kind_colour,
    kind_style,
    plt,
    save_figure,
    setup_length_axis,
    task_colour,
    task_name,
)

KIND_LABELS = {"rmt": "RMT", "full-attention": "full attention", "truncated": "truncated"}


def _chance_level(tasks: list[str]) -> float | None:
    """1 / number of answer classes when every task has the same number; else None."""
    try:
        from generators import task_labels

        sizes = {len(task_labels(task)) for task in tasks}
    except Exception:  # a task the generators do not know (e.g. from another tool): no line
        return None
    return 1.0 / sizes.pop() if len(sizes) == 1 else None


def _percent_axis(ax: plt.Axes) -> None:
    ax.set_ylim(-2, 102)
    ax.set_ylabel("accuracy (%)")
    ax.grid(True, which="major", alpha=0.3)


def plot_accuracy_vs_length(table: pd.DataFrame, path: str | Path) -> Path:
    """One curve per (task, model): accuracy vs input length, shaded 95% interval.

    Colour = task, line style = model kind; the model's name is in the legend for baselines
    and when a task has several models of one kind (the CSV always names them).
    """
    table = table[table["n"] > 0]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    models = sorted(table["model"].unique())
    per_kind = table.groupby(["task", "kind"])["model"].nunique().max() > 1
    for (task, model, kind), curve in table.groupby(["task", "model", "kind"], sort=True):
        curve = curve.sort_values("length")
        colour = task_colour(task)
        marker = MARKERS[models.index(model) % len(MARKERS)]
        label = f"{task_name(task)}, {KIND_LABELS.get(kind, kind)}"
        label += f" ({model})" if per_kind or kind != "rmt" else ""  # baselines: which variant
        ax.plot(
            curve["length"],
            100 * curve["accuracy"],
            kind_style(kind),
            color=colour,
            marker=marker,
            label=label,
            linewidth=1.8,
            markersize=5,
        )
        ax.fill_between(
            curve["length"],
            100 * curve["ci_low"],
            100 * curve["ci_high"],
            color=colour,
            alpha=0.15,
            linewidth=0,
        )
    chance = _chance_level(list(table["task"].unique()))
    if chance is not None:
        ax.axhline(100 * chance, color="#888888", linestyle=":", linewidth=1,
                   label=f"chance (1/{round(1 / chance)})")  # fmt: skip
    setup_length_axis(ax, list(table["length"]))
    _percent_axis(ax)
    n_text = (
        f"n = {int(table['n'].min())}"
        if table["n"].nunique() == 1
        else (f"n = {int(table['n'].min())}-{int(table['n'].max())}")
    )
    ax.set_title(f"Accuracy vs input length (shaded: 95% Wilson interval, {n_text} per point)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return save_figure(fig, path)


def plot_generalization(table: pd.DataFrame, path: str | Path) -> Path:
    """Per task, a heatmap: rows = segments trained on, columns = segments evaluated on."""
    tasks = sorted(table["task"].unique())
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.2 * len(tasks) + 1.0, 4.4), squeeze=False)
    image = None
    for ax, task in zip(axes[0], tasks, strict=True):
        part = table[table["task"] == task]
        grid = part.pivot_table(
            index="train_segments", columns="segments", values="accuracy", aggfunc="mean"
        )
        grid = grid.sort_index().sort_index(axis=1)
        cmap = plt.get_cmap("viridis").with_extremes(bad="#d9d9d9")  # grey: not evaluated
        values = np.ma.masked_invalid(100 * grid.to_numpy(dtype=float))
        image = ax.imshow(values, vmin=0, vmax=100, cmap=cmap, aspect="auto", origin="lower")
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                value = grid.iat[i, j]
                if not math.isnan(value):
                    ax.text(
                        j,
                        i,
                        f"{100 * value:.0f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if value < 0.6 else "black",
                    )
        ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [str(r) for r in grid.index])
        ax.set_xlabel("segments evaluated on")
        ax.set_ylabel("segments trained on")
        ax.set_title(task_name(task))
    fig.colorbar(image, ax=axes[0].tolist(), label="accuracy (%)", shrink=0.9)
    fig.suptitle(
        "Generalization: RMT accuracy (%) by segments trained on x evaluated on (grey: not run)"
    )
    return save_figure(fig, path)


def plot_flops(table: pd.DataFrame, path: str | Path) -> Path:
    """Forward FLOPs vs length: RMT (solid) vs full attention (dashed) per model size, ratio annotated."""
    fig, ax = plt.subplots(figsize=(8, 5))
    models = list(dict.fromkeys(table["model"]))
    colours = plt.get_cmap("viridis")(np.linspace(0.05, 0.85, len(models)))
    for model, colour in zip(models, colours, strict=True):
        part = table[table["model"] == model].sort_values("length")
        ax.plot(part["length"], part["full_attention_flops"], "--", color=colour, linewidth=1.6)
        ax.plot(part["length"], part["rmt_flops"], "-", color=colour, linewidth=2, label=model)
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
    setup_length_axis(ax, list(table["length"]))
    ax.set_ylabel("forward FLOPs")
    ax.grid(True, which="major", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        plt.Line2D([], [], color="black", linestyle="-"),
        plt.Line2D([], [], color="black", linestyle="--"),
    ]
    labels += ["RMT (segment 512)", "full attention"]
    ax.legend(handles, labels, loc="upper left", fontsize=8)
    ax.set_title("Forward FLOPs vs input length: RMT vs full attention, OPT sizes")
    ax.text(
        0.99,
        0.02,
        "xN: full attention / RMT at the longest input\nChinchilla counting, no LM-head logits",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color="#444444",
    )
    ax.set_xlim(right=ax.get_xlim()[1] * 2.2)
    return save_figure(fig, path)


def plot_efficiency(table: pd.DataFrame, path: str | Path) -> Path:
    """Peak memory (linear axis from 0) and seconds per sample (log) vs length, per model kind."""
    fig, (ax_mem, ax_time) = plt.subplots(1, 2, figsize=(11, 4.4))
    measured = table[table["n"] > 0]
    notes = []
    for kind, part in measured.groupby("kind", sort=True):
        part = part.sort_values("length")
        style = dict(
            color=kind_colour(kind),
            linestyle=kind_style(kind),
            marker="o",
            label=kind,
            linewidth=1.8,
        )
        ax_mem.plot(part["length"], part["peak_memory_mb_median"], **style)
        ax_time.plot(part["length"], part["seconds_median"], **style)
    for kind, part in table[(table["n"] == 0) & (table["skipped"] > 0)].groupby("kind", sort=True):
        notes.append(
            f"{kind}: skipped at {', '.join(format_length(v) for v in sorted(part['length']))}"
        )
    for ax in (ax_mem, ax_time):
        setup_length_axis(ax, list(table["length"]))
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    ax_mem.set_ylim(bottom=0, top=1.15 * max(1.0, float(measured["peak_memory_mb_median"].max())))
    ax_time.set_yscale("log")
    ax_time.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax_mem.set_ylabel("peak memory during a sample (MiB, median)")
    ax_mem.set_title("Peak memory vs input length")
    ax_time.set_ylabel("seconds per sample (median)")
    ax_time.set_title("Time per sample vs input length")
    if notes:
        fig.text(0.5, -0.02, "; ".join(notes) + " (over the position limit or out of memory)",
                 ha="center", va="top", fontsize=8, color="#444444")  # fmt: skip
    return save_figure(fig, path)


def plot_curriculum(table: pd.DataFrame, path: str | Path) -> Path:
    """Per task, accuracy vs length trained with (solid) and without (dashed) the curriculum."""
    tasks = sorted(table["task"].unique())
    fig, axes = plt.subplots(
        1, len(tasks), figsize=(5.5 * len(tasks), 4.2), squeeze=False, sharey=True
    )
    for ax, task in zip(axes[0], tasks, strict=True):
        task_rows = table[(table["task"] == task) & (table["n"] > 0)]
        groups = task_rows.groupby(["train_segments", "curriculum"], sort=True)
        for index, ((train_segments, curriculum), part) in enumerate(groups):
            part = part.sort_values("length")
            colour = task_colour(task)
            label = "with curriculum" if curriculum else "without curriculum"
            if train_segments >= 0:
                label += f" (trained on {train_segments} segments)"
            ax.plot(part["length"], 100 * part["accuracy"], "-" if curriculum else "--", color=colour,
                    marker=MARKERS[index % len(MARKERS)], label=label)  # fmt: skip
            ax.fill_between(part["length"], 100 * part["ci_low"], 100 * part["ci_high"], color=colour,
                            alpha=0.15 if curriculum else 0.07, linewidth=0)  # fmt: skip
        setup_length_axis(ax, list(table["length"]))
        _percent_axis(ax)
        ax.set_title(task_name(task))
        ax.legend(fontsize=8, loc="lower left")
    fig.suptitle("Curriculum ablation: RMT accuracy vs input length (shaded: 95% Wilson interval)")
    return save_figure(fig, path)


def _run_style(part: pd.DataFrame, index: int) -> dict[str, object]:
    """Colour by task (as in every figure), line style by kind: rmt -, no curriculum --, full :."""
    task = part["task"].iloc[0] if "task" in part and pd.notna(part["task"].iloc[0]) else None
    colour = task_colour(task) if task else plt.get_cmap("tab10")(index % 10)
    kind = part["model_kind"].iloc[0] if "model_kind" in part else None
    no_curriculum = bool(part["no_curriculum"].iloc[0]) if "no_curriculum" in part else False
    style = ":" if kind == "full-attention" else "--" if no_curriculum else "-"
    return {"color": colour, "linestyle": style}


def plot_training(table: pd.DataFrame, path: str | Path) -> Path:
    """Training loss and validation accuracy vs optimizer step, one line per run."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.4))
    for index, run in enumerate(sorted(table["run"].unique())):
        part = table[table["run"] == run].sort_values("step")
        style = _run_style(part, index)
        loss = part.dropna(subset=["loss"])
        ax_loss.plot(loss["step"], loss["loss"], linewidth=1.2, label=run, **style)
        acc = part.dropna(subset=["val_accuracy"])
        if not acc.empty:
            ax_acc.plot(acc["step"], 100 * acc["val_accuracy"], marker=".", markersize=3, linewidth=1.2,
                        label=run, **style)  # fmt: skip
        if style["linestyle"] == "-":  # curriculum runs: mark where each stage starts
            starts = (
                part.dropna(subset=["stage"]).groupby("stage", sort=True)["step"].min().iloc[1:]
            )
            for step in starts:
                ax_acc.axvline(step, color=style["color"], alpha=0.25, linewidth=0.8)
    losses = pd.to_numeric(table["loss"], errors="coerce").dropna()
    log_scale = not losses.empty and losses.min() > 0 and losses.max() / losses.min() > 10
    if log_scale:  # loss spans decades: log scale, plain-number tick labels
        ax_loss.set_yscale("log")
        ax_loss.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax_loss.set_xlabel("optimizer step")
    ax_loss.set_ylabel("training loss (cross-entropy" + (", log scale)" if log_scale else ")"))
    ax_loss.set_title("Training loss")
    ax_acc.set_xlabel("optimizer step")
    _percent_axis(ax_acc)
    ax_acc.set_ylabel("validation accuracy (%)")
    ax_acc.set_title("Validation accuracy (faint lines: curriculum stage starts)")
    ax_loss.grid(True, alpha=0.3)
    ax_acc.grid(True, alpha=0.3)
    ax_acc.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
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
