"""``rmt-bench report``: made / missing lines, files written, bad paths."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner
from test_reports import _row  # tests/ is on sys.path under pytest

from rmt_bench.cli import cli


def test_report_command_says_what_is_made_and_missing(tmp_path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    rows = [
        _row("rmt-reasoning", "rmt", "reasoning", length, i, i < 3)
        for length in (512, 4096)
        for i in range(4)
    ]
    (results / "rmt-reasoning.reasoning.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows)
    )
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["report", str(results), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "made    accuracy_vs_length.png" in result.output
    assert (
        "missing generalization_grid" in result.output
        and "missing curriculum_ablation" in result.output
    )
    summary = pd.read_csv(out / "summary.csv")
    assert summary["accuracy"].tolist() == [0.75, 0.75] and summary["n"].tolist() == [4, 4]


def test_report_on_a_missing_folder_is_a_user_error(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_report_default_out_is_a_results_folder_not_the_package(tmp_path, monkeypatch) -> None:
    results = tmp_path / "results"
    results.mkdir()
    rows = [_row("rmt-memorize", "rmt", "memorize", 512, i, i < 2) for i in range(3)]
    (results / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", "results"])
    assert result.exit_code == 0, result.output
    page = tmp_path / "RESULTS" / "report" / "index.html"
    assert page.is_file() and f"wrote {page.relative_to(tmp_path)}" in result.output
    assert not (tmp_path / "reports").exists()
