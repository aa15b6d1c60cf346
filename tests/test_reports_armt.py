"""reports/ knows the armt kind: own name, colour and legend in the accuracy figure, the
generalization grid and the FLOPs figure (small synthetic result rows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reports import plot_accuracy, plot_grid, plots, tables
from reports.style import KIND_COLOURS, kind_colour, kind_label, kind_style

N = 8


def _row(model: str, kind: str, length: int, index: int, correct: bool, train: int | None) -> dict:
    return {
        "model": model, "kind": kind, "task": "memorize", "length": length, "n_tokens": length,
        "segments": -(-length // 64), "sample_id": f"memorize-{length}-0-{index}", "index": index,
        "prediction": "kitchen" if correct else "garden", "answer": "kitchen", "correct": correct,
        "skipped": False, "seconds": 0.01, "tokens_per_s": 100 * length, "peak_memory_mb": 100.0,
        "seed": 0, "config_hash": f"h-{model}", "train_segments": train, "curriculum": True,
        "memory_tokens": 10, "segment_size": 64,
    }  # fmt: skip


def _right(kind: str, train: int, length: int) -> int:
    """ARMT: all right up to 4x its training length; RMT: all right at its training length."""
    reach = 4 if kind == "armt" else 1
    return N if length // 64 <= reach * train else N // 4


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    records = []
    for kind in ("armt", "rmt"):
        for train in (1, 2):
            for length in (64, 128, 256, 512):
                records += [
                    _row(f"{kind}-memorize-s{train}", kind, length, i,
                         i < _right(kind, train, length), train)
                    for i in range(N)
                ]  # fmt: skip
    records += [_row("full-memorize", "full-attention", 64, i, i < 2, None) for i in range(N)]
    frame = pd.DataFrame.from_records(records)
    frame["skipped"] = frame["skipped"].astype(bool)
    return frame


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list:
    """Figures handed to save_figure, kept open for inspection instead of written."""
    figures: list = []

    def keep(fig, path):  # noqa: ANN001
        figures.append(fig)
        return Path(path)

    for module in (plot_accuracy, plot_grid, plots):
        monkeypatch.setattr(module, "save_figure", keep)
    yield figures
    plots.plt.close("all")


def test_armt_has_its_own_name_colour_and_line_style() -> None:
    assert kind_label("armt") == "ARMT"
    assert kind_colour("armt") == KIND_COLOURS["armt"]
    others = {kind_colour(k) for k in ("rmt", "full-attention", "truncated", "prompted-lm")}
    assert kind_colour("armt") not in others
    assert kind_style("armt") != kind_style("rmt")
    assert plot_accuracy.model_label("armt-memorize", "armt", "memorize") == "ARMT"
    assert plot_accuracy.model_label("armt-memorize-s2", "armt", "memorize") == "ARMT, s2"


def test_generalization_table_has_a_grid_per_memory_kind(rows: pd.DataFrame) -> None:
    grid = tables.generalization_table(rows)
    assert list(grid.columns[:3]) == ["task", "kind", "train_segments"]
    assert set(grid["kind"]) == {"rmt", "armt"}  # full attention has no training lengths
    cell = grid[(grid["kind"] == "armt") & (grid["train_segments"] == 1)]
    assert dict(zip(cell["segments"], cell["accuracy"], strict=True)) == {
        1: 1.0, 2: 1.0, 4: 1.0, 8: 0.25
    }  # fmt: skip
    rmt = grid[(grid["kind"] == "rmt") & (grid["train_segments"] == 2)]
    assert dict(zip(rmt["segments"], rmt["n"], strict=True)) == {1: N, 2: N, 4: N, 8: N}
    assert list(rmt["accuracy"]) == [1.0, 1.0, 0.25, 0.25]
    # one training length of ARMT is no grid: only RMT's panel stays
    single = tables.generalization_table(rows[rows["model"] != "armt-memorize-s2"])
    assert set(single["kind"]) == {"rmt"}


def test_grid_figure_draws_an_armt_panel_after_the_rmt_one(rows, captured) -> None:
    plots.plot_generalization(tables.generalization_table(rows), "grid.png")
    (fig,) = captured
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles == ["Memorize: RMT; segment = 64 tokens", "Memorize: ARMT; segment = 64 tokens"]
    assert "RMT and ARMT accuracy" in fig._suptitle.get_text()


def test_grid_figure_reads_an_older_table_without_kind(rows, captured) -> None:
    old = tables.generalization_table(rows)
    old = old[old["kind"] == "rmt"].drop(columns=["kind"])
    plots.plot_generalization(old, "grid.png")
    titles = [ax.get_title(loc="left") for ax in captured[0].axes if ax.get_title(loc="left")]
    assert titles == ["Memorize: RMT; segment = 64 tokens"]


def test_accuracy_figure_legend_and_colour_for_armt(rows, captured) -> None:
    headline = tables.headline_table(rows)
    assert set(headline["kind"]) == {"rmt", "armt", "full-attention"}
    plots.plot_accuracy_vs_length(headline, "accuracy.png")
    ax = captured[0].axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    kinds = [label.split(" (")[0].split(",")[0] for label in labels[:3]]
    assert kinds == ["RMT", "ARMT", "full attention"]  # memory kinds first, RMT before ARMT
    armt_lines = [line for line in ax.get_lines() if line.get_color() == KIND_COLOURS["armt"]]
    assert any(line.get_linestyle() == "-" for line in armt_lines)  # solid, as the RMT's


def test_flops_table_and_figure_have_armt(captured) -> None:
    from rmt_bench.flops import RMTLayout
    from rmt_bench.flops_armt import armt_extra
    from rmt_bench.opt_family import opt_shape

    table = tables.flops_table(sizes=("125M",), lengths=(512, 2**21))
    last = table.iloc[-1]
    extra = armt_extra(opt_shape("125M"), 2**21, RMTLayout(512, memory_tokens=10), 32, 3).total
    assert last["armt_flops"] == pytest.approx(last["rmt_flops"] + extra)
    assert 1 < last["armt_flops"] / last["rmt_flops"] < 1.1
    assert last["armt_ratio"] == pytest.approx(last["full_attention_flops"] / last["armt_flops"])
    plots.plot_flops(table, "flops.png")
    ax = captured[0].axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert any(label.startswith("ARMT") for label in labels)
    assert "RMT and ARMT" in ax.get_title()
    assert [line.get_linestyle() for line in ax.get_lines()].count(":") == 1


def test_efficiency_table_keeps_armt(rows: pd.DataFrame) -> None:
    efficiency = tables.efficiency_table(rows)
    assert "armt" in set(efficiency["kind"])
