"""The paper's headline accuracies (its Figure 5), drawn beside ours for comparison.

    points = paper_points("memorize")   # [(tokens, accuracy in [0, 1]), ...] or []
    mark_paper(ax, "memorize")          # grey hollow diamonds + a dotted line, in the legend

The numbers are those of ``../shared/docs/paper.md`` ("Headline results to reproduce"),
read from the paper's plot: bert-base-cased, m = 10, trained on 7 segments of 499 task
tokens, evaluated at 8 .. 4096 segments. Tokens are segments x 499 (4096 -> 2,043,904).
They are reference values from the publication, not results of this suite.
"""

from __future__ import annotations

from reports.style import plt
from rmt_bench.train.presets import PRESETS

PAPER_SEGMENT_TOKENS = int(PRESETS["paper"]["segment_size"])  # 499: the paper's recipe
# segments -> accuracy (%) per task; a dash in the paper's table is left out
PAPER_ACCURACY: dict[str, dict[int, float]] = {
    "memorize": {64: 98.3, 256: 95.3, 1024: 92.8, 2048: 90.5, 4096: 90.6},
    "detect_memorize": {8: 100.0, 64: 99.8, 256: 98.6, 1024: 97.2, 2048: 97.2, 4096: 96.2},
    "reasoning": {8: 97.4, 64: 89.4, 256: 87.6, 1024: 83.6, 2048: 83.5, 4096: 81.9},
}
PAPER_LABEL = "paper: RMT, bert-base, trained on 7 x 499 tokens (read from its plot)"
PAPER_STYLE = {
    "color": "#7f7f7f",
    "marker": "D",
    "markersize": 5,
    "markerfacecolor": "none",
    "linestyle": (0, (2, 2)),
    "linewidth": 1.0,
}


def paper_points(task: str) -> list[tuple[int, float]]:
    """The paper's (tokens, accuracy in [0, 1]) for ``task``, shortest first; [] if none."""
    table = PAPER_ACCURACY.get(task, {})
    return [(segments * PAPER_SEGMENT_TOKENS, table[segments] / 100) for segments in sorted(table)]


def mark_paper(ax: plt.Axes, task: str) -> bool:
    """Draw the paper's points for ``task`` (percent axis); False when it has none."""
    points = paper_points(task)
    if not points:
        return False
    tokens, accuracy = zip(*points, strict=True)
    ax.plot(tokens, [100 * a for a in accuracy], label=PAPER_LABEL, zorder=1, **PAPER_STYLE)
    return True
