"""Accuracy figures: accuracy vs input length per task, and the curriculum ablation.

    plot_accuracy_vs_length(headline_table, "out/accuracy_vs_length.png")
    plot_curriculum(curriculum_table, "out/curriculum_ablation.png")

One panel per task (as in the paper), all on one length axis that reaches 2M tokens
with a tick at every power of two. Each point shows its 95% Wilson interval and its
sample count; the training length and chance accuracy are marked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reports.accuracy_marks import (
    draw_series,
    mark_chance,
    mark_skipped,
    mark_training_length,
    percent_axis,
    training_label,
    training_tokens,
)
from reports.paper_results import mark_paper
from reports.style import (
    MARKERS,
    MEMORY_KINDS,
    MODEL_DISPLAY_NAMES,
    PAPER_MAX_LENGTH,
    SPARE_COLOURS,
    kind_colour,
    kind_label,
    plt,
    save_figure,
    setup_length_axis,
    task_name,
    task_order,
)

VARIANT_NAMES = {"tiled": "position table tiled", "nocurriculum": "no curriculum"}
NOTE = (
    "Bars: 95% Wilson interval. Numbers above the bars: samples per point (n). "
    "Grid lengths beside a main length (480 beside 512) are in generalization_grid.png."
)


def model_label(model: str, kind: str, task: str) -> str:
    """A reader's name for a model: its kind, plus what sets it apart from the task's main model.

    Models named in ``MODEL_DISPLAY_NAMES`` (``smollm2`` -> ``SmolLM2-135M (prompted)``) keep
    that name.
    """
    if str(model) in MODEL_DISPLAY_NAMES:
        return MODEL_DISPLAY_NAMES[str(model)]
    rest = str(model)
    for prefix in (f"{kind}-{task}", kind, task):
        if rest.startswith(prefix):
            rest = rest[len(prefix) :]
            break
    rest = rest.strip("-_ .")
    if not rest:
        return kind_label(kind)
    if rest.startswith("stage") and rest[5:].isdigit():
        return f"{kind_label(kind)}, stage-{rest[5:]} checkpoint"
    return f"{kind_label(kind)}, {VARIANT_NAMES.get(rest, rest.replace('-', ' '))}"


def _model_order(part: pd.DataFrame) -> list[tuple[str, str]]:
    """RMT first, then ARMT, then the baselines (by kind, then name)."""
    models = part[["model", "kind"]].drop_duplicates()
    rank = [
        MEMORY_KINDS.index(k) if k in MEMORY_KINDS else len(MEMORY_KINDS) for k in models["kind"]
    ]
    models = models.assign(rank=rank).sort_values(["rank", "kind", "model"])
    return list(zip(models["model"], models["kind"], strict=True))


def _colours(models: list[tuple[str, str]]) -> dict[str, str]:
    """Kind colour for the first model of a kind, spare colours for the others in the panel."""
    colours: dict[str, str] = {}
    spare = [c for c in SPARE_COLOURS if c not in {kind_colour(k) for _, k in models}]
    for index, (model, kind) in enumerate(models):
        first = kind_colour(kind)
        taken = first in colours.values()
        colours[model] = (spare.pop(0) if spare else SPARE_COLOURS[index % 7]) if taken else first
    return colours


def _first(part: pd.DataFrame, column: str) -> object:
    if column not in part:
        return None
    values = part[column].dropna()
    return values.iloc[0] if not values.empty else None


def main_points(curve: pd.DataFrame, min_gap: float = 0.25) -> pd.DataFrame:
    """A model's rows less the measured ones within ``min_gap`` octaves of one of its rows
    with more samples: a grid length beside a main one (480 tokens, n = 32, beside 512, n = 64)
    would cover its point and label. Those rows stay in the CSV and the generalization grid.
    A skipped length (n = 0) keeps its mark."""
    lengths = curve["length"].to_numpy(dtype=float)
    n = curve["n"].to_numpy(dtype=float)
    close = np.abs(np.log2(lengths[:, None] / lengths[None, :])) < min_gap  # (row, other)
    crowded = (n > 0) & (close & (n[None, :] > n[:, None])).any(axis=1)
    return curve[~crowded]


def plot_accuracy_vs_length(table: pd.DataFrame, path: str | Path) -> Path:
    """One panel per task: each model's accuracy vs input length, intervals, n, training length."""
    tasks = task_order(table["task"])
    fig, axes = plt.subplots(len(tasks), 1, figsize=(10.5, 0.9 + 2.9 * len(tasks)),
                             squeeze=False, sharex=True)  # fmt: skip
    for ax, task in zip(axes[:, 0], tasks, strict=True):
        part = table[table["task"] == task]
        models = _model_order(part)
        colours = _colours(models)
        skipped_shown = False
        for index, (model, kind) in enumerate(models):
            curve = main_points(part[part["model"] == model])
            colour = colours[model]
            marker = MARKERS[index % len(MARKERS)]
            train = training_label(_first(curve, "train_segments"), _first(curve, "segment_size"))
            label = model_label(model, kind, task) + (f" ({train})" if train else "")
            draw_series(ax, curve, colour=colour, marker=marker, label=label, index=index,
                        count=len(models), linestyle="-" if kind in MEMORY_KINDS else "--")  # fmt: skip
            gone = curve[(curve["n"] == 0) & (curve["skipped"] > 0)]["length"].tolist()
            skipped_shown |= mark_skipped(ax, gone, colour, index, len(models))
            tokens = training_tokens(_first(curve, "train_segments"), _first(curve, "segment_size"))
            mark_training_length(ax, tokens, colour, "")
        if skipped_shown:
            ax.plot([], [], "x", color="#444444", label="all samples skipped (over position limit)")
        if any(training_tokens(_first(part[part["model"] == m], "train_segments"),
                               _first(part[part["model"] == m], "segment_size")) for m, _ in models):  # fmt: skip
            ax.plot([], [], color="#444444", linestyle=(0, (4, 2)), linewidth=1.0,
                    label="training length (dashed vertical)")  # fmt: skip
        mark_paper(ax, task)
        mark_chance(ax, [task])
        percent_axis(ax)
        ax.set_title(task_name(task), loc="left", fontsize=11, fontweight="bold")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    setup_length_axis(axes[-1, 0], list(table["length"]), up_to=PAPER_MAX_LENGTH)
    fig.suptitle("Accuracy vs input length, one panel per task", x=0.01, ha="left", fontsize=12)
    fig.text(0.01, 0.005, NOTE, fontsize=8, color="#444444", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.02, 1, 0.98))
    return save_figure(fig, path)


CURRICULUM_COLOURS = {True: "#d62728", False: "#1f77b4"}


def plot_curriculum(table: pd.DataFrame, path: str | Path) -> Path:
    """Per task, accuracy vs length trained with and without the curriculum (same training length)."""
    tasks = task_order(table["task"])
    fig, axes = plt.subplots(len(tasks), 1, figsize=(10.5, 0.9 + 3.2 * len(tasks)), squeeze=False)
    for ax, task in zip(axes[:, 0], tasks, strict=True):
        part = table[table["task"] == task]
        groups = list(part.groupby(["train_segments", "curriculum"], sort=True))
        groups.sort(key=lambda item: not item[0][1])  # with curriculum first
        lengths_done: set[int] = set()
        for index, ((train_segments, curriculum), curve) in enumerate(groups):
            label = "with curriculum" if curriculum else "without curriculum (one stage)"
            draw_series(ax, curve, colour=CURRICULUM_COLOURS[bool(curriculum)],
                        marker=MARKERS[index % len(MARKERS)], label=label, index=index,
                        count=len(groups), linestyle="-" if curriculum else "--")  # fmt: skip
            size = _first(curve, "segment_size")
            tokens = training_tokens(train_segments, size)
            if tokens is not None and tokens not in lengths_done:
                lengths_done.add(tokens)
                mark_training_length(ax, tokens, "#333333",
                                     "training length: " + training_label(train_segments, size)[len("trained on "):])  # fmt: skip
        mark_chance(ax, [task])
        percent_axis(ax)
        setup_length_axis(ax, list(part["length"]))
        ax.set_title(task_name(task), loc="left", fontsize=11, fontweight="bold")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.suptitle("Curriculum ablation: RMT accuracy vs input length, same training length and number of steps",
                 x=0.01, ha="left", fontsize=12)  # fmt: skip
    fig.text(0.01, 0.005, NOTE, fontsize=8, color="#444444", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    return save_figure(fig, path)
