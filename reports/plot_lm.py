"""The language-modelling figure: perplexity by segment position (preceding segments 0..N-1).

    plot_lm_perplexity(table, "out/lm_perplexity_vs_segments.png", title="...")

``table`` has one row per (variant, segment): ``variant, segment, preceding_segments,
tokens, nll, perplexity`` (``rmt_bench.lm.run``). One line per variant; the y axis
turns logarithmic when the values span more than a factor of 10 (an untrained or
random backbone far above the trained ones).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reports.style import MARKERS, plt, save_figure

VARIANT_STYLES = {
    "rmt": ("RMT (memory carried)", "#d62728", "-"),
    "no-memory": ("no memory (each segment alone)", "#1f77b4", "--"),
    "full-context": ("full context (every earlier token)", "#7f7f7f", ":"),
    "pretrained": ("backbone before training, each segment alone", "#8c564b", "-."),
}


def plot_lm_perplexity(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """One line per variant: validation perplexity at segment 1..N."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    variants = [v for v in VARIANT_STYLES if v in set(table["variant"])]
    variants += sorted(set(table["variant"]) - set(variants))
    for i, variant in enumerate(variants):
        part = table[table["variant"] == variant].sort_values("segment")
        label, colour, style = VARIANT_STYLES.get(variant, (variant, None, "-"))
        ax.plot(
            part["segment"],
            part["perplexity"],
            linestyle=style,
            marker=MARKERS[i % len(MARKERS)],
            color=colour,
            label=label,
            linewidth=2,
        )
    segments = sorted(set(table["segment"]))
    ax.set_xticks(segments)
    ax.set_xticklabels([f"{s}\n({s - 1} before)" for s in segments], fontsize=8)
    ax.set_xlabel("segment position in the window (preceding segments)")
    ax.set_ylabel("validation perplexity (tokens 2..S of the segment)")
    low, high = float(table["perplexity"].min()), float(table["perplexity"].max())
    if low > 0 and high / low > 10:  # an untrained backbone far above the trained ones
        ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return save_figure(fig, path)
