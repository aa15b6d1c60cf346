"""One look for every figure: colours per task / kind / model size, length labels, figure saving.

colour = task_colour("reasoning")         # the same colour in every figure
ax.xaxis.set_major_formatter(length_formatter())   # 4096 -> "4k", 2**20 -> "1M"
save_figure(fig, "reports/accuracy_vs_length.png")  # atomic, 150 dpi, closes the figure
                                                    # (never over a file rmt-bench did not write)
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from generators.owned import owned_path  # noqa: E402

TASK_COLOURS = {
    "memorize": "#1f77b4",
    "detect_memorize": "#ff7f0e",
    "reasoning": "#2ca02c",
}
TASK_NAMES = {
    "memorize": "Memorize",
    "detect_memorize": "Detect & Memorize",
    "reasoning": "Reasoning",
}
KIND_COLOURS = {
    "rmt": "#d62728",
    "full-attention": "#7f7f7f",
    "truncated": "#9467bd",
    "prompted-lm": "#8c564b",
}
KIND_STYLES = {"rmt": "-", "full-attention": "--", "truncated": ":", "prompted-lm": "-."}
_SPARE = ("#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DPI = 150


def _stable_pick(name: str, palette: tuple[str, ...]) -> str:
    # A name's own hash (not its position among the names present) so it keeps its colour.
    return palette[sum(ord(c) * (i + 1) for i, c in enumerate(name)) % len(palette)]


def task_colour(task: str) -> str:
    return TASK_COLOURS.get(task) or _stable_pick(task, _SPARE)


def task_name(task: str) -> str:
    return TASK_NAMES.get(task, task)


def kind_colour(kind: str) -> str:
    return KIND_COLOURS.get(kind) or _stable_pick(kind, _SPARE)


def kind_style(kind: str) -> str:
    return KIND_STYLES.get(kind, "-")


def format_length(value: float) -> str:
    """Token counts as the project labels them: powers of two, ``k`` = 1024, ``M`` = 1024**2."""
    value = int(round(value))
    for unit, size in (("M", 1024**2), ("k", 1024)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
        if value >= size and value % (size // 4) == 0:
            return f"{value / size:g}{unit}"
        if value >= size * (1 if unit == "M" else 2):  # 4096 x 499 = 2,043,904 -> "1.95M"
            return f"{value / size:.3g}{unit}"
    return f"{value:,}"


def length_formatter() -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: format_length(value) if value > 0 else "")


def setup_length_axis(
    ax: plt.Axes, lengths: list[int], label: str = "input length (tokens)"
) -> None:
    """Log2 x axis with one labelled tick per measured length (at most ~12)."""
    ax.set_xscale("log", base=2)
    ticks = sorted(set(int(v) for v in lengths))
    while len(ticks) > 12:
        ticks = ticks[::2]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(length_formatter())
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel(label)


def save_figure(fig: plt.Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG atomically and close it."""
    path = Path(path)
    with owned_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png")
        tmp.chmod(0o644)  # mkstemp makes 0600; figures are for everyone to read
    plt.close(fig)
    return path


def save_table(table, path: str | Path) -> Path:
    """Write a DataFrame as CSV atomically (floats with 6 significant digits)."""
    path = Path(path)
    with owned_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
        tmp.chmod(0o644)
    return path
