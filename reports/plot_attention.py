"""The memory-operation attention maps (write at the fact, read at the question): table and PNG.

    table = attention_table(maps)                  # one row per (operation, layer, query, key)
    plot_memory_attention(maps, "out/memory_attention_detect_memorize.png", title="...")

``maps`` is a ``rmt_bench.memory_attention.MemoryAttention``. The figure has one
heat map per drawn layer and operation, full width, the inputs of that segment
step along x (memory slots labelled ``[MEMk]``, fact tokens boxed in red):

    write  (segment holding the fact)   rows: the m memory write positions
    read   (last segment)               rows: the answer position and the question tokens

Colours use a square-root scale per panel so that small weights stay visible. A
segment longer than ``MAX_DRAWN_KEYS`` inputs (480-token segments) is drawn with the
columns that matter: the memory slots, the first and last inputs, the fact and its
neighbours, the question (last inputs of the read step) and then the keys with the
largest weights; a grey column marks each gap with the number of inputs left out.
The CSV always holds every key.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import PowerNorm
from matplotlib.patches import Rectangle

from reports.style import plt, save_figure

OPERATIONS = ("write", "read")
MAX_DRAWN_KEYS = 128  # columns per panel; longer segments are drawn in part (shown_keys)
FACT_CONTEXT = 12  # inputs drawn on each side of the fact
QUESTION_TAIL = 24  # last inputs of the read step (the question and its special tokens)
STRONGEST_KEYS = 24  # further keys, those with the largest weight in any layer and row
COLUMNS = [
    "operation",
    "segment",
    "layer",
    "query_position",
    "query",
    "key_position",
    "key",
    "key_is_memory",
    "key_is_fact",
    "weight",
]


def attention_table(maps: Any) -> pd.DataFrame:
    """Long table of both maps: one row per operation, layer, query and key (head mean)."""
    records = []
    for operation in OPERATIONS:
        step = getattr(maps, operation)
        memory, fact = set(step.memory_keys), set(step.highlight_keys)
        weights = step.weights.numpy()
        for li, layer in enumerate(step.layers):
            for qi, (qpos, qlabel) in enumerate(
                zip(step.query_positions, step.query_labels, strict=True)
            ):
                for kpos, klabel in enumerate(step.key_labels):
                    records.append(
                        (
                            operation,
                            step.segment + 1,
                            layer,
                            qpos,
                            qlabel,
                            kpos,
                            klabel,
                            kpos in memory,
                            kpos in fact,
                            float(weights[li, qi, kpos]),
                        )
                    )
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def shown_keys(step: Any, budget: int = MAX_DRAWN_KEYS, tail: int = 0) -> list[int]:
    """The key positions drawn for ``step``: all of them when they fit in ``budget``, else
    the memory slots, the first and last inputs, the fact with ``FACT_CONTEXT`` neighbours,
    the last ``tail`` inputs, then up to ``STRONGEST_KEYS`` keys with the largest weight in
    any layer and row (never more than ``budget`` in all)."""
    total = len(step.key_labels)
    if total <= budget:
        return list(range(total))
    chosen = {0, total - 1, *step.memory_keys, *range(max(0, total - tail), total)}
    for key in step.highlight_keys:
        chosen.update(range(max(0, key - FACT_CONTEXT), min(total, key + FACT_CONTEXT + 1)))
    limit = min(budget, len(chosen) + STRONGEST_KEYS)
    strongest = np.argsort(-step.weights.amax(dim=(0, 1)).numpy(), kind="stable")
    for key in strongest:
        if len(chosen) >= limit:
            break
        chosen.add(int(key))
    return sorted(chosen)


def _with_gaps(step: Any, keys: list[int]) -> Any:
    """``step`` restricted to ``keys``, a NaN column labelled "... N ..." in each gap."""
    if len(keys) == len(step.key_labels):
        return step
    columns: list[int | None] = []
    labels: list[str] = []
    for key in keys:
        if columns and columns[-1] is not None and key > columns[-1] + 1:
            labels.append(f"... {key - columns[-1] - 1} ...")
            columns.append(None)
        columns.append(key)
        labels.append(step.key_labels[key])
    weights = step.weights.numpy()
    drawn = np.full((*weights.shape[:2], len(columns)), np.nan, dtype=np.float32)
    where = {key: i for i, key in enumerate(columns) if key is not None}
    for key, i in where.items():
        drawn[:, :, i] = weights[:, :, key]
    return replace(
        step,
        weights=drawn,
        key_labels=labels,
        memory_keys=[where[k] for k in step.memory_keys if k in where],
        highlight_keys=[where[k] for k in step.highlight_keys if k in where],
    )


def _drawn(keys: list[int], step: Any) -> str:
    """ ", K of T inputs drawn" when a panel leaves inputs out, else nothing."""
    total = len(step.key_labels)
    return f", {len(keys)} of {total} inputs drawn" if len(keys) < total else ""


def _panel(ax: Any, step: Any, li: int, heading: str, show_keys: bool) -> Any:
    weights = np.asarray(step.weights[li], dtype=np.float32)
    cmap = plt.get_cmap("viridis").with_extremes(bad="#d9d9d9")  # gaps: grey
    image = ax.imshow(
        np.ma.masked_invalid(weights),
        aspect="auto",
        cmap=cmap,
        norm=PowerNorm(0.5, vmin=0.0, vmax=max(float(np.nanmax(weights)), 1e-6)),
        interpolation="nearest",
    )
    ax.set_yticks(range(len(step.query_labels)))
    ax.set_yticklabels(step.query_labels, fontsize=6)
    ax.set_title(heading, fontsize=8, loc="left")
    if step.highlight_keys:
        lo, hi = min(step.highlight_keys), max(step.highlight_keys)
        ax.add_patch(
            Rectangle(
                (lo - 0.5, -0.5),
                hi - lo + 1,
                len(step.query_labels),
                fill=False,
                edgecolor="red",
                linewidth=1.5,
            )
        )
    ax.set_xticks(range(len(step.key_labels)))
    if show_keys:
        ax.set_xticklabels(step.key_labels, rotation=90, fontsize=5)
        memory, fact = set(step.memory_keys), set(step.highlight_keys)
        for pos, label in enumerate(ax.get_xticklabels()):
            if pos in memory:
                label.set_color("#1f77b4")
            elif pos in fact:
                label.set_color("red")
    else:
        ax.set_xticklabels([])
    return image


def plot_memory_attention(maps: Any, path: str | Path, title: str = "") -> Path:
    """Draw the write and read maps of ``maps`` (every drawn layer) into one PNG."""
    write_keys = shown_keys(maps.write)
    read_keys = shown_keys(maps.read, tail=QUESTION_TAIL)
    write, read = _with_gaps(maps.write, write_keys), _with_gaps(maps.read, read_keys)
    layers = len(write.layers)
    heights = [max(len(write.query_labels), 3)] * layers + [max(len(read.query_labels), 3)] * layers
    width = min(max(8.0, 0.12 * max(len(write.key_labels), len(read.key_labels))), 24.0)
    fig, axes = plt.subplots(
        2 * layers,
        1,
        figsize=(width, 0.16 * sum(heights) + 1.2 * layers + 2.0),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    where = f"segment {write.segment + 1} of {maps.segments}" + _drawn(write_keys, maps.write)
    for li, layer in enumerate(write.layers):
        heading = (
            f"write, layer {layer}: memory write positions -> inputs of {where} "
            "(the fact's segment; fact boxed)"
        )
        image = _panel(axes[li, 0], write, li, heading, show_keys=li == layers - 1)
        fig.colorbar(image, ax=axes[li, 0], pad=0.01, fraction=0.02)
    for li, layer in enumerate(read.layers):
        heading = (
            f"read, layer {layer}: answer/question positions -> inputs of segment "
            f"{read.segment + 1} of {maps.segments} (the last; [MEMk] = memory read slots"
            f"{_drawn(read_keys, maps.read)})"
        )
        ax = axes[layers + li, 0]
        image = _panel(ax, read, li, heading, show_keys=li == layers - 1)
        fig.colorbar(image, ax=ax, pad=0.01, fraction=0.02)
    if title:
        fig.suptitle(title, fontsize=10)
    height = fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / height if title else 1))  # room for the title
    return save_figure(fig, path)
