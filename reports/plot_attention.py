"""The memory-operation attention maps (write at the fact, read at the question): table and PNG.

    table = attention_table(maps)                  # one row per (operation, layer, query, key)
    plot_memory_attention(maps, "out/memory_attention_detect_memorize.png", title="...")

``maps`` is a ``rmt_bench.memory_attention.MemoryAttention``. The figure has one
heat map per drawn layer and operation, full width, the inputs of that segment
step along x (memory slots labelled ``[MEMk]``, fact tokens boxed in red):

    write  (segment holding the fact)   rows: the m memory write positions
    read   (last segment)               rows: the answer position and the question tokens

Colours use a square-root scale per panel so that small weights stay visible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.colors import PowerNorm
from matplotlib.patches import Rectangle

from reports.style import plt, save_figure

OPERATIONS = ("write", "read")
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


def _panel(ax: Any, step: Any, li: int, heading: str, show_keys: bool) -> Any:
    weights = step.weights[li].numpy()
    image = ax.imshow(
        weights,
        aspect="auto",
        cmap="viridis",
        norm=PowerNorm(0.5, vmin=0.0, vmax=max(float(weights.max()), 1e-6)),
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
    write, read = maps.write, maps.read
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
    where = f"segment {write.segment + 1} of {maps.segments}"
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
            f"{read.segment + 1} of {maps.segments} (the last; [MEMk] = memory read slots)"
        )
        ax = axes[layers + li, 0]
        image = _panel(ax, read, li, heading, show_keys=li == layers - 1)
        fig.colorbar(image, ax=ax, pad=0.01, fraction=0.02)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)
