"""reports/: the drawing helpers, the model peak memory columns, the page and the rebuilt CPU-run rows."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from test_reports import N, _row, write_synthetic_results  # tests/ is on sys.path under pytest

from reports import tables
from reports.load import load_rows
from reports.paper import build_report
from reports.plot_accuracy import main_points, model_label
from reports.plot_training import plot_training
from reports.style import contiguous_runs, dodge, length_ticks, power_of_two_ticks


def test_lines_break_where_a_length_was_not_run() -> None:
    assert contiguous_runs([16384, 512, 1024, 2048, 131072, 1048576]) == [
        [512, 1024, 2048], [16384], [131072], [1048576]
    ]  # fmt: skip
    assert contiguous_runs([]) == []


def test_length_ticks_reach_2m_at_every_power_of_two() -> None:
    ticks = power_of_two_ticks([64, 4096, 2**20], up_to=2**21)
    assert ticks[0] == 64 and ticks[-1] == 2**21 and 2**18 in ticks and len(ticks) == 16
    assert power_of_two_ticks([1536, 4096]) == [1536, 2048, 4096]  # odd lengths kept as measured
    assert power_of_two_ticks([]) == []


def test_length_labels_leave_out_a_length_beside_a_power_of_two() -> None:
    grid_and_main = [480, 512, 960, 1024, 1920, 2048, 2**17]
    assert length_ticks(grid_and_main) == [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 2**17]
    assert length_ticks([1536, 4096]) == [1536, 2048, 4096]  # 0.4 octaves from 2,048: kept
    assert length_ticks([3992, 7984]) == [4096, 7984]  # no power of two beside 7,984 here
    assert length_ticks([]) == []


def test_an_unmeasured_power_of_two_gives_way_to_a_measured_length_beside_it() -> None:
    ticks = length_ticks([2**20, 2**21, 10 * 2**20], up_to=2**21)
    assert 10 * 2**20 in ticks and 2**23 not in ticks  # 8M sits 0.32 octaves from 10M
    assert 2**22 in ticks and 2**21 in ticks
    assert 2**23 in length_ticks([2**20, 2**23, 10 * 2**20])  # measured at 8M: both labelled


def test_accuracy_figure_leaves_out_a_grid_point_beside_a_main_point() -> None:
    curve = pd.DataFrame(
        {"length": [480, 512, 960, 1024, 1536, 4096], "n": [32, 64, 32, 0, 32, 64]}
    )  # 1,024 was skipped (n = 0): 960 stays; 1,536 has no neighbour
    assert main_points(curve)["length"].tolist() == [512, 960, 1024, 1536, 4096]
    assert main_points(curve.iloc[:0]).empty


def test_grid_ticks_show_every_token_length_a_column_pools() -> None:
    from reports.plot_grid import _tick

    assert _tick(2, 480, {2: {512, 960}}) == "2\n512-960"  # both are 2 segments of 480
    assert _tick(4, 480, {4: {1920}}) == "4\n1,920"
    assert _tick(8, 480, {}) == "8\n3.75k"  # not measured: segments x size
    assert _tick(8, None, {}) == "8\n?"


def test_dodge_separates_series_symmetrically() -> None:
    x = np.array([512.0, 1024.0])
    left, right = dodge(x, 0, 2), dodge(x, 1, 2)
    assert (left < x).all() and (right > x).all() and np.allclose(left * right, x * x)
    assert dodge(x, 0, 1) is x


def test_model_labels_are_readable() -> None:
    assert model_label("full-attention-memorize-tiled", "full-attention", "memorize") == (
        "full attention, position table tiled"
    )
    assert model_label("rmt-memorize", "rmt", "memorize") == "RMT"
    assert model_label("rmt-memorize-stage4", "rmt", "memorize") == "RMT, stage-4 checkpoint"
    assert model_label("rmt-memorize-nocurriculum", "rmt", "memorize") == "RMT, no curriculum"
    assert model_label("smollm2", "prompted", "memorize") == "SmolLM2-135M (prompted)"
    assert model_label("other-lm", "prompted", "memorize") == "prompted LM, other lm"


def test_efficiency_reads_model_peak_and_rss_when_rows_have_them(tmp_path) -> None:
    rows = []
    for i in range(N):
        row = _row(
            "rmt-memorize", "rmt", "memorize", 512, i, True, seconds=0.1 * (i + 1), peak=900.0
        )
        rows.append({**row, "rss_peak_mb": 2000.0 + i, "model_peak_mb": 300.0 + i})
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    eff = tables.efficiency_table(load_rows(tmp_path)).iloc[0]
    assert eff["rss_peak_mb_median"] == pytest.approx(2004.5)
    assert eff["model_peak_mb_median"] == pytest.approx(304.5)
    assert eff["seconds_p10"] < eff["seconds_median"] < eff["seconds_p90"]  # the spread is kept


def test_training_figure_names_runs_it_cannot_draw(tmp_path, monkeypatch) -> None:
    table = pd.DataFrame({
        "run": ["ok"] * 3 + ["failed"], "task": "memorize", "model_kind": "rmt",
        "no_curriculum": False, "step": [1, 2, 3, 1], "stage": 1, "stage_segments": 1,
        "loss": [2.0, 1.0, 0.5, 3.0], "val_accuracy": [None, 0.5, None, None],
    })  # fmt: skip
    notes: list[str] = []
    import reports.plot_training as module

    real_text = module.plt.Figure.text

    def spy(self, x, y, text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        notes.append(text)
        return real_text(self, x, y, text, *args, **kwargs)

    monkeypatch.setattr(module.plt.Figure, "text", spy)
    assert plot_training(table, tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    assert any("failed (1 point)" in note for note in notes)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    write_synthetic_results(results)
    (results / "rmt-memorize.memorize.config.json").write_text(json.dumps({
        "config_hash": "abc123", "model_name": "rmt-memorize",
        "run": {"model": "runs/rmt-memorize", "task": "memorize", "lengths": ["512", "2k"],
                "num_samples": 10, "device": "auto"},
    }))  # fmt: skip
    (results / "provenance.json").write_text(
        json.dumps({"machine": "a test box", "commands": ["rmt-bench x"]})
    )
    out = tmp_path_factory.mktemp("report")
    report = build_report(results, out)
    return report, out, report.page.read_text(encoding="utf-8")


def test_page_is_self_contained(page) -> None:
    _, out, text = page
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing from elsewhere
    assert "<script" not in text
    assert text.count('<img src="data:image/png;base64,') == 6
    for href in re.findall(r'href="([^"#]+)"', text):  # every link is a CSV beside the page
        assert href.endswith(".csv") and (out / href).is_file()


def test_page_has_a_cell_per_summary_row(page) -> None:
    _, out, text = page
    summary = pd.read_csv(out / "summary.csv")
    cells = re.findall(
        r'data-model="([^"]+)" data-task="([^"]+)" data-length="(\d+)" data-n="(\d+)"', text
    )
    assert sorted((m, t, int(length), int(n)) for m, t, length, n in cells) == sorted(
        zip(summary["model"], summary["task"], summary["length"], summary["n"], strict=True)
    )
    assert "skipped<small>10 of 10</small>" in text  # full attention over its position limit


def test_page_provenance(page) -> None:
    _, _, text = page
    assert "abc123" in text and "a test box" in text and "rmt-bench x" in text
    assert (
        "rmt-bench eval --model runs/rmt-memorize --task memorize --lengths 512,2k --num-samples 10"
        in text
    )
    assert "h-rmt-memorize" in text  # the rows' own config hash
    assert "pandas" in text and "python" in text


def test_panel_colours_never_run_out() -> None:
    from reports.plot_accuracy import _colours

    models = [(f"rmt-m{i}", "rmt") for i in range(12)] + [("full", "full-attention")]
    colours = _colours(models)
    assert colours["rmt-m0"] == "#d62728" and colours["full"] == "#7f7f7f"
    # red, then the five spare colours that are no kind's colour: distinct while they last
    assert len(set(list(colours.values())[:6])) == 6


def test_long_attention_panels_draw_the_memory_the_fact_and_the_strongest_keys() -> None:
    import torch

    from reports.plot_attention import FACT_CONTEXT, STRONGEST_KEYS, _with_gaps, shown_keys
    from rmt_bench.memory_attention import StepMap

    total, strong = 480, 300
    weights = torch.full((2, 3, total), 0.5 / total)
    weights[1, 0, strong] = 0.5  # one key that one layer attends to
    step = StepMap(
        segment=2, layers=[0, 1], weights=weights, query_positions=[1, 2, 3],
        query_labels=["a", "b", "c"], key_labels=[f"t{i}" for i in range(total)],
        memory_keys=list(range(1, 11)), highlight_keys=[200, 201],
    )  # fmt: skip
    keys = shown_keys(step, budget=60, tail=5)
    base = 2 + 10 + 5 + 2 + 2 * FACT_CONTEXT  # ends, memory, tail, fact and its neighbours
    assert len(keys) == min(60, base + STRONGEST_KEYS) and keys == sorted(set(keys))
    assert {0, total - 1, strong, *range(1, 11), *range(total - 5, total)} <= set(keys)
    assert set(range(200 - FACT_CONTEXT, 202 + FACT_CONTEXT)) <= set(keys)
    assert shown_keys(step, budget=total) == list(range(total))  # fits: every key

    drawn = _with_gaps(step, keys)
    gaps = [label for label in drawn.key_labels if label.startswith("...")]
    assert sum(int(label.split()[1]) for label in gaps) == total - len(keys)  # nothing lost
    assert np.isnan(drawn.weights).sum() == 2 * 3 * len(gaps)
    column = drawn.key_labels.index(f"t{strong}")
    assert drawn.weights[1, 0, column] == 0.5
    assert [drawn.key_labels[i] for i in drawn.highlight_keys] == ["t200", "t201"]
    assert [drawn.key_labels[i] for i in drawn.memory_keys] == [f"t{i}" for i in range(1, 11)]


def test_paper_reference_points_are_the_papers_table_in_tokens() -> None:
    from reports.paper_results import mark_paper, paper_points

    memorize = paper_points("memorize")
    assert memorize[-1] == (4096 * 499, pytest.approx(0.906))
    assert memorize[0] == (64 * 499, pytest.approx(0.983))
    assert [t for t, _ in memorize] == sorted(t for t, _ in memorize)
    assert paper_points("reasoning")[0] == (8 * 499, pytest.approx(0.974))
    assert paper_points("babi:qa2") == []  # not in the paper's figure: nothing drawn
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert mark_paper(ax, "detect_memorize") and not mark_paper(ax, "babi:qa2")
    assert len(ax.lines) == 1 and ax.lines[0].get_ydata()[-1] == pytest.approx(96.2)
    plt.close(fig)
