"""One look for every figure: colours per task / kind / model size, length labels, figure saving.

colour = task_colour("reasoning")         # the same colour in every figure
kind_colour("armt"), kind_label("armt")   # "#0b7a75", "ARMT": each model kind's own look
ax.xaxis.set_major_formatter(length_formatter())   # 4096 -> "4k", 2**20 -> "1M"
setup_length_axis(ax, lengths, up_to=2**21)         # a tick per power of two up to 2M
save_figure(fig, "reports/accuracy_vs_length.png")  # atomic, 150 dpi, closes the figure
                                                    # (never over a file rmt-bench did not write)
"""

from __future__ import annotations

import io
import math
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
    "armt": "#0b7a75",  # dark teal: not a task colour and not among SPARE_COLOURS
    "full-attention": "#7f7f7f",
    "truncated": "#9467bd",
    "prompted-lm": "#8c564b",
    "prompted": "#8c564b",  # baselines.prompted_lm.KIND, the kind its result rows carry
}
# (efficiency figure: colour = task, line = kind) ARMT dash-dot-dot, apart from RMT's solid
KIND_STYLES: dict[str, str | tuple] = {
    "rmt": "-",
    "armt": (0, (6, 1.5, 1, 1.5, 1, 1.5)),
    "full-attention": "--",
    "truncated": ":",
    "prompted-lm": "-.",
    "prompted": "-.",
}
MEMORY_KINDS = ("rmt", "armt")  # recurrent-memory models: solid in the accuracy figure, first
SPARE_COLOURS = ("#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728")
KIND_LABELS = {
    "rmt": "RMT",
    "armt": "ARMT",
    "full-attention": "full attention",
    "truncated": "truncated",
    "prompted-lm": "prompted LM",
    "prompted": "prompted LM",
}
# Reader's names of known models by the name their result rows carry (``model``).
MODEL_DISPLAY_NAMES = {"smollm2": "SmolLM2-135M (prompted)"}
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DPI = 150
PAPER_MAX_LENGTH = (
    2**21
)  # the paper's longest input (about 2M tokens): every length axis reaches it
CHANCE_STYLE = {"color": "#555555", "linestyle": (0, (1, 2)), "linewidth": 1.2}


def _stable_pick(name: str, palette: tuple[str, ...]) -> str:
    # A name's own hash (not its position among the names present) so it keeps its colour.
    return palette[sum(ord(c) * (i + 1) for i, c in enumerate(name)) % len(palette)]


def task_colour(task: str) -> str:
    return TASK_COLOURS.get(task) or _stable_pick(task, SPARE_COLOURS)


def task_name(task: str) -> str:
    return TASK_NAMES.get(task, task)


def task_order(tasks) -> list[str]:
    """Tasks in the paper's order (Memorize, Detect & Memorize, Reasoning), others after by name."""
    known = list(TASK_NAMES)
    return sorted(set(tasks), key=lambda t: (known.index(t) if t in known else len(known), str(t)))


def kind_colour(kind: str) -> str:
    return KIND_COLOURS.get(kind) or _stable_pick(kind, SPARE_COLOURS)


def kind_style(kind: str) -> str | tuple:
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


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def power_of_two_ticks(lengths: list[int], up_to: int | None = None) -> list[int]:
    """Every power of two from the shortest length to the longest (or ``up_to``), plus any
    measured length that is not a power of two."""
    values = sorted({int(v) for v in lengths if v and v > 0})
    if not values:
        return []
    top = max(values[-1], up_to or 0)
    ticks = set(values)
    power = 2 ** max(0, int(values[0]).bit_length() - 1)
    while power <= top:
        if power >= values[0]:
            ticks.add(power)
        power *= 2
    return sorted(ticks)


def length_ticks(
    lengths: list[int], up_to: int | None = None, min_gap: float = 0.25, label_gap: float = 0.35
) -> list[int]:
    """``power_of_two_ticks`` less the labels that would overlap. A measured length within
    ``min_gap`` octaves of a power of two loses its label (480 beside 512, 1,920 beside 2,048;
    its point is still drawn). A power of two that was not measured loses its label when a
    labelled measured length lies within ``label_gap`` octaves (8M beside 10M, 0.32 octaves).
    1,536 (0.4 octaves from 2,048) keeps its label, and so does 2,048."""
    measured = {int(v) for v in lengths if v and v > 0}
    ticks = power_of_two_ticks(lengths, up_to)
    powers = [t for t in ticks if t & (t - 1) == 0]
    kept = [
        t for t in ticks if t in powers or all(abs(math.log2(t / p)) >= min_gap for p in powers)
    ]
    odd_labels = [t for t in kept if t not in powers]
    return [
        t
        for t in kept
        if t in measured  # every tick that is not a power of two was measured
        or all(abs(math.log2(t / m)) >= label_gap for m in odd_labels)
    ]


def setup_length_axis(
    ax: plt.Axes,
    lengths: list[int],
    label: str = "input length (tokens)",
    up_to: int | None = None,
) -> None:
    """Log2 x axis with a labelled tick at every power of two from the shortest length to
    the longest (or to ``up_to``); labels turn sideways when there are many."""
    ax.set_xscale("log", base=2)
    ticks = length_ticks(list(lengths), up_to)
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(length_formatter())
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    if len(ticks) > 10:
        ax.tick_params(axis="x", labelrotation=90, labelsize=8)
    if ticks:  # every point inside, also a measured length whose label was left out
        shown = [*ticks, *(int(v) for v in lengths if v and v > 0)]
        ax.set_xlim(min(shown) / 1.5, max(shown) * 1.5)
    ax.set_xlabel(label)


def dodge(lengths, index: int, count: int, gap: float = 0.35):
    """Lengths shifted so ``count`` series at one length sit ``gap`` octaves apart, centred."""
    if count <= 1:
        return lengths
    return lengths * 2.0 ** ((index - (count - 1) / 2) * gap)


def contiguous_runs(lengths: list[int]) -> list[list[int]]:
    """Split sorted lengths into runs where each is at most twice the one before (lines are
    drawn within a run only, never across a length that was not measured)."""
    runs: list[list[int]] = []
    for value in sorted(lengths):
        if runs and value <= 2 * runs[-1][-1]:
            runs[-1].append(value)
        else:
            runs.append([value])
    return runs


def save_figure(fig: plt.Figure, path: str | Path) -> Path:
    """Write ``fig`` as a 256-colour PNG atomically and close it.

    A palette PNG is about a third of the size of matplotlib's RGBA one and looks the same
    for line art and text (no dithering), which keeps committed figures and the page small.
    """
    from PIL import Image

    path = Path(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, bbox_inches="tight", format="png", facecolor="white")
    plt.close(fig)
    buffer.seek(0)
    with Image.open(buffer) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    with owned_path(path) as tmp:  # never over a file rmt-bench did not write
        small.save(tmp, format="PNG", optimize=True)
        tmp.chmod(0o644)  # mkstemp makes 0600; figures are for everyone to read
    return path


def save_table(table, path: str | Path) -> Path:
    """Write a DataFrame as CSV atomically (floats with 6 significant digits)."""
    path = Path(path)
    with owned_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
        tmp.chmod(0o644)
    return path
