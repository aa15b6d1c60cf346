"""Training curves: loss and validation accuracy vs optimizer step, one row of panels per run.

    plot_training(training_table, "out/training_curves.png")

Loss is drawn raw (faint) and smoothed (exponential moving average); each curriculum
stage starts at a dotted vertical line labelled with its segment count. A run that
logged fewer than two points (failed or stopped at once) is not drawn but named in a
note under the figure.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator

from reports.accuracy_marks import mark_chance, percent_axis
from reports.style import kind_label, plt, save_figure, task_colour, task_name


def smooth(values: pd.Series) -> tuple[pd.Series, int]:
    """Exponential moving average with a span of about 1/15 of the points (at least 3)."""
    span = max(3, len(values) // 15)
    return values.ewm(span=span, adjust=True).mean(), span


def _stage_starts(part: pd.DataFrame) -> list[tuple[float, object]]:
    """(first step, segments) of every stage after the first."""
    staged = part.dropna(subset=["stage"])
    if staged.empty:
        return []
    first = staged.groupby("stage", sort=True).agg(
        step=("step", "min"), segments=("stage_segments", "first")
    )
    return [(row.step, row.segments) for row in first.iloc[1:].itertuples()]


def _run_name(run: str) -> str:
    """The run's folder name without the common ``runs/`` prefix."""
    return run[len("runs/") :] if run.startswith("runs/") else run


def _describe(part: pd.DataFrame) -> str:
    task = part["task"].dropna()
    kind = part["model_kind"].dropna()
    text = task_name(task.iloc[0]) if not task.empty else "task unknown"
    text += f", {kind_label(kind.iloc[0])}" if not kind.empty else ""
    if part["no_curriculum"].fillna(False).astype(bool).any():
        text += ", no curriculum"
    segments = part["stage_segments"].dropna()
    if not segments.empty:
        values = list(dict.fromkeys(int(v) for v in segments))
        text += f", stages of {', '.join(map(str, values))} segment(s)"
    return text


def _mark_stages(ax: plt.Axes, starts: list[tuple[float, object]], colour: str) -> None:
    for step, segments in starts:
        ax.axvline(step, color="#999999", linestyle="-", linewidth=0.7, alpha=0.6, zorder=0)
        if pd.notna(segments):
            ax.annotate(f"{int(segments)}", (step, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(1, -2), textcoords="offset points", fontsize=6.5, va="top",
                        color=colour)  # fmt: skip


def plot_training(table: pd.DataFrame, path: str | Path) -> Path:
    """Per run, training loss (raw and smoothed) and validation accuracy vs optimizer step."""
    drawn, skipped = [], []
    for run in sorted(table["run"].unique()):
        part = table[table["run"] == run].sort_values("step")
        points = max(part["loss"].notna().sum(), part["val_accuracy"].notna().sum())
        (drawn if points >= 2 else skipped).append((run, part, int(points)))
    fig, axes = plt.subplots(max(1, len(drawn)), 2, figsize=(12, 0.9 + 2.5 * max(1, len(drawn))),
                             squeeze=False)  # fmt: skip
    for (run, part, _), (ax_loss, ax_acc) in zip(drawn, axes, strict=False):
        task = part["task"].dropna()
        colour = task_colour(task.iloc[0]) if not task.empty else "#333333"
        starts = _stage_starts(part)
        loss = part.dropna(subset=["loss"])
        if not loss.empty:
            ax_loss.plot(
                loss["step"], loss["loss"], color=colour, alpha=0.25, linewidth=0.9, label="raw"
            )
            smoothed, span = smooth(loss["loss"])
            ax_loss.plot(loss["step"], smoothed, color=colour, linewidth=1.8,
                         label=f"smoothed (EMA, span {span} logs)")  # fmt: skip
            if loss["loss"].min() > 0 and loss["loss"].max() / loss["loss"].min() > 10:
                ax_loss.set_yscale("log")  # ticks at 1, 2, 5 x 10^k, written as plain numbers
                ax_loss.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
                ax_loss.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
                ax_loss.yaxis.set_minor_formatter(FuncFormatter(lambda v, _p: ""))
        _mark_stages(ax_loss, starts, colour)
        acc = part.dropna(subset=["val_accuracy"])
        if not acc.empty:
            ax_acc.plot(acc["step"], 100 * acc["val_accuracy"], color=colour, marker=".",
                        markersize=3, linewidth=1.3, label="validation accuracy")  # fmt: skip
        if not task.empty:
            mark_chance(ax_acc, [task.iloc[0]])
        _mark_stages(ax_acc, starts, colour)
        if starts:
            ax_acc.plot([], [], color="#999999", linewidth=0.7, label="stage start (its segments)")
        percent_axis(ax_acc, "val. accuracy (%)")
        ax_loss.set_ylabel("loss (cross-entropy)")
        ax_loss.grid(True, alpha=0.3)
        ax_loss.set_title(f"{_run_name(run)}: {_describe(part)}", loc="left", fontsize=9)
        for ax in (ax_loss, ax_acc):
            ax.legend(fontsize=7, loc="best", framealpha=0.85)
    for ax in axes[-1]:
        ax.set_xlabel("optimizer step")
    if not drawn:
        axes[0, 0].text(
            0.5, 0.5, "no run logged two points", ha="center", transform=axes[0, 0].transAxes
        )
    fig.suptitle("Training curves, one row per run (left: loss; right: validation accuracy)",
                 x=0.01, ha="left", fontsize=12)  # fmt: skip
    bottom = 0.0
    if skipped:
        note = "not drawn (fewer than two logged points): " + ", ".join(
            f"{_run_name(run)} ({points} point{'s' if points != 1 else ''})"
            for run, _, points in skipped
        )
        fig.text(0.01, 0.005, note, fontsize=8, color="#444444", ha="left", va="bottom")
        bottom = 0.03
    fig.tight_layout(rect=(0, bottom, 1, 0.97))
    return save_figure(fig, path)
