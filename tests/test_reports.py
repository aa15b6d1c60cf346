"""reports/: every figure from a small synthetic results folder; the CSVs' numbers are checked."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from reports import tables
from reports.paper import build_report
from reports.stats import sign_test, wilson_interval
from reports.style import format_length

N = 10  # samples per (model, task, length)
TASKS = ("memorize", "detect_memorize", "reasoning")


def _row(
    model,
    kind,
    task,
    length,
    index,
    correct,
    *,
    skipped=False,
    train_segments=7,
    curriculum=True,
    seconds=None,
    peak=None,
    segment_size=64,
):
    segments = -(-length // segment_size)
    return {
        "model": model, "kind": kind, "task": task, "length": length, "n_tokens": length,
        "segments": segments, "sample_id": f"{task}-{length}-0-{index}", "index": index,
        "prediction": None if skipped else ("kitchen" if correct else "garden"), "answer": "kitchen",
        "correct": bool(correct) and not skipped, "skipped": skipped,
        "seconds": None if skipped else (seconds if seconds is not None else 0.001 * segments),
        "tokens_per_s": None if skipped else length / (seconds or 0.001 * segments),
        "peak_memory_mb": None if skipped else (peak if peak is not None else 100.0),
        "seed": 0, "config_hash": f"h-{model}", "train_segments": train_segments,
        "curriculum": curriculum, "memory_tokens": 10, "segment_size": segment_size,
    }  # fmt: skip


def _n_correct(task: str, length: int) -> int:
    """A known accuracy pattern: memorize 10/10 everywhere, others drop one per 4x length."""
    if task == "memorize":
        return N
    return max(0, N - int(math.log(length / 512, 4)) - (task == "reasoning"))


def write_synthetic_results(folder: Path) -> None:
    """Headline RMT models per task, a generalization sweep, a no-curriculum model, full attention."""
    folder.mkdir(parents=True, exist_ok=True)
    lengths = [512, 2048, 8192, 32768]
    rows = []
    for task in TASKS:
        for length in lengths:
            rows += [
                _row(f"rmt-{task}", "rmt", task, length, i, i < _n_correct(task, length))
                for i in range(N)
            ]
    for train_segments in (1, 2, 4):  # generalization sweep on memorize (segments = length / 64)
        for length in (64, 128, 256, 512):
            ok = N if length // 64 <= 2 * train_segments else N // 2
            rows += [_row(f"rmt-memorize-s{train_segments}", "rmt", "memorize", length, i, i < ok,
                          train_segments=train_segments) for i in range(N)]  # fmt: skip
    for length in (512,):  # a copy of rmt-memorize (a final model = its last stage): same samples
        rows += [_row("rmt-memorize-copy", "rmt", "memorize", length, i, i < 9) for i in range(N)]
    for length in lengths:  # without curriculum: 3/10 on every length
        rows += [_row("rmt-memorize-nocurr", "rmt", "memorize", length, i, i < 3, curriculum=False)
                 for i in range(N)]  # fmt: skip
    for length in lengths:  # full attention answers 512 only; the rest is over its position limit
        rows += [_row("full-memorize", "full-attention", "memorize", length, i, i < 8, skipped=length > 512,
                      train_segments=None, curriculum=None, seconds=0.5, peak=300.0) for i in range(N)]  # fmt: skip
    text = "".join(json.dumps(row) + "\n" for row in rows)
    (folder / "results.jsonl").write_text(
        text + '{"model": "torn', encoding="utf-8"
    )  # + a torn last line
    run = folder / "runs" / "rmt-memorize"
    run.mkdir(parents=True)
    log = [{"step": s, "stage": 1 + s // 50, "loss": 2.0 / (1 + s), "lr": 1e-4, "grad_norm": 1.0,
            "tokens_per_s": 1000.0, "val_accuracy": (s / 100 if s % 25 == 0 else None)}
           for s in range(0, 101, 5)]  # fmt: skip
    (run / "train_log.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in log), encoding="utf-8"
    )
    config = {
        "config": {
            "task": "memorize",
            "model_kind": "rmt",
            "no_curriculum": False,
            "curriculum": [1, 2, 4],
        },
        "hash": "x",
    }
    (run / "train_config.json").write_text(json.dumps(config), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    write_synthetic_results(results)
    out = tmp_path_factory.mktemp("reports")
    return build_report(results, out), out


def test_every_figure_is_made_as_png_and_csv(built) -> None:
    report, out = built
    names = {figure.name for figure in report.made}
    assert names == {"accuracy_vs_length", "generalization_grid", "flops_vs_length", "efficiency_vs_length",
                     "curriculum_ablation", "training_curves"}  # fmt: skip
    assert report.missing == []
    for figure in report.made:
        assert figure.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert figure.png.stat().st_size > 10_000


def test_accuracy_csv_values_and_wilson(built) -> None:
    _, out = built
    table = pd.read_csv(out / "accuracy_vs_length.csv")
    # One model per (task, kind): the sweep (s1, s2, s4) and the no-curriculum model are left out.
    assert sorted(table["model"].unique()) == [
        "full-memorize",
        "rmt-detect_memorize",
        "rmt-memorize",
        "rmt-reasoning",
    ]
    row = table[(table["model"] == "rmt-reasoning") & (table["length"] == 8192)].iloc[0]
    assert row["n"] == N and row["correct"] == N - 2 - 1
    assert row["accuracy"] == pytest.approx(0.7)
    low, high = wilson_interval(7, 10)
    assert (row["ci_low"], row["ci_high"]) == (
        pytest.approx(low, abs=1e-6),
        pytest.approx(high, abs=1e-6),
    )
    full = table[(table["model"] == "full-memorize")].set_index("length")
    assert (
        full.loc[512, "n"] == N
        and full.loc[4 * 512 * 4, "n"] == 0
        and full.loc[32768, "skipped"] == N
    )


def test_summary_csv_has_the_interface_schema(built) -> None:
    _, out = built
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["model", "kind", "task", "length", "n", "accuracy", "ci_low", "ci_high",
                                     "tokens_per_s", "peak_memory_mb", "skipped"]  # fmt: skip
    skipped = summary[(summary["model"] == "full-memorize") & (summary["length"] == 2048)].iloc[0]
    assert skipped["n"] == 0 and skipped["skipped"] == N
    row = summary[(summary["model"] == "rmt-memorize") & (summary["length"] == 2048)].iloc[0]
    assert row["accuracy"] == 1.0 and row["tokens_per_s"] == pytest.approx(2048 / (0.001 * 32))


def test_generalization_grid_csv(built) -> None:
    _, out = built
    grid = pd.read_csv(out / "generalization_grid.csv")
    assert set(grid["train_segments"]) == {1, 2, 4, 7}
    one = grid[(grid["train_segments"] == 1)].set_index("segments")["accuracy"]
    assert one[2] == 1.0 and one[8] == 0.5  # trained on 1 segment: fine up to 2, half beyond
    assert (grid[grid["train_segments"] == 4]["accuracy"] == 1.0).all()
    seven = grid[
        (grid["task"] == "memorize") & (grid["train_segments"] == 7) & (grid["segments"] == 8)
    ]
    # The no-curriculum model (3/10, also train_segments 7) must not be mixed in: 10/10, not 13/20;
    # the copy's answers to the same samples at 512 tokens are not counted twice (n stays 10).
    copy = grid[
        (grid["task"] == "memorize") & (grid["train_segments"] == 7) & (grid["length"] == 512)
    ]
    assert copy.iloc[0]["n"] == N
    assert len(seven) == 1 and seven.iloc[0]["n"] == N and seven.iloc[0]["accuracy"] == 1.0


def test_efficiency_csv(built) -> None:
    _, out = built
    eff = pd.read_csv(out / "efficiency_vs_length.csv")
    # One line per headline model: the sweep (s1, s2, s4) and the ablation are not pooled in.
    assert set(eff["model"]) == {
        "full-memorize",
        "rmt-detect_memorize",
        "rmt-memorize",
        "rmt-reasoning",
    }
    eff = eff.set_index(["model", "length"])
    assert eff.loc[("full-memorize", 512), "rss_peak_mb_median"] == 300.0
    assert math.isnan(eff.loc[("full-memorize", 512), "model_peak_mb_median"])  # not recorded
    assert (
        eff.loc[("full-memorize", 2048), "n"] == 0
        and eff.loc[("full-memorize", 2048), "skipped"] == N
    )
    assert eff.loc[("rmt-memorize", 2048), "seconds_median"] == pytest.approx(0.032)
    assert eff.loc[("rmt-memorize", 2048), "n"] == N  # not pooled with the no-curriculum model


def test_curriculum_csv(built) -> None:
    _, out = built
    table = pd.read_csv(out / "curriculum_ablation.csv")
    assert set(table["task"]) == {"memorize"}
    without = table[~table["curriculum"]]
    assert (without["accuracy"] == 0.3).all() and set(without["length"]) == {512, 2048, 8192, 32768}


def test_flops_csv_reproduces_paper_ratio(built) -> None:
    _, out = built
    flops = pd.read_csv(out / "flops_vs_length.csv")
    at_2m = flops[flops["length"] == 2**21].set_index("model")["ratio"]
    assert round(at_2m["OPT-125M"]) == 295 and round(at_2m["OPT-175B"]) == 29
    assert (flops[flops["length"] == 512]["ratio"] == 1.0).all()


def test_training_csv(built) -> None:
    _, out = built
    logs = pd.read_csv(out / "training_curves.csv")
    assert set(logs["run"]) == {"runs/rmt-memorize"} and len(logs) == 21
    assert logs["val_accuracy"].dropna().tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    # stage k of curriculum [1, 2, 4] trains on curriculum[k - 1] segments
    assert dict(zip(logs["stage"], logs["stage_segments"], strict=True)) == {1: 1, 2: 2, 3: 4}
    assert set(logs["task"]) == {"memorize"} and set(logs["model_kind"]) == {"rmt"}


@pytest.mark.parametrize(
    ("curriculum", "no_curriculum", "expected"),
    [
        (["1x64", 1, 2, 4, 16], False, [1, 1, 2, 4, 16]),  # the Detect & Memorize preset's
        ([1, "2-8", "4x480"], False, [1, 8, 4]),  # a mixed stage counts its most segments
        ([1, 2, 4], True, [4, 4, 4]),  # no curriculum: the last stage's count throughout
        (["banana"], False, [pd.NA]),
        ([1, 2], False, [1, 2, pd.NA]),  # a stage past the curriculum
    ],
)
def test_stage_segments_read_every_curriculum_entry_form(curriculum, no_curriculum, expected):
    logs = pd.DataFrame({
        "run": "r", "task": "memorize", "model_kind": "rmt", "no_curriculum": no_curriculum,
        "step": range(1, len(expected) + 1), "stage": range(1, len(expected) + 1),
        "loss": 1.0, "val_accuracy": None, "curriculum": [curriculum] * len(expected),
    })  # fmt: skip
    segments = tables.training_table(logs)["stage_segments"].tolist()
    assert [None if pd.isna(v) else v for v in segments] == [
        None if v is pd.NA else v for v in expected
    ]


def test_missing_figures_are_reported(tmp_path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    rows = [_row("rmt-memorize", "rmt", "memorize", 512, i, True) for i in range(3)]
    (results / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = build_report(results, tmp_path / "out")
    missing = dict(report.missing)
    assert set(missing) == {"generalization_grid", "curriculum_ablation", "training_curves"}
    assert report.page is not None and report.page.name == "index.html"
    assert {f.name for f in report.made} == {
        "accuracy_vs_length",
        "flops_vs_length",
        "efficiency_vs_length",
    }


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(0, 3)
    assert low == 0.0 and wilson_interval(3, 3)[1] == 1.0  # exact at the ends, no rounding residue
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.27753, abs=1e-4)
    low, high = wilson_interval(81, 100)
    assert (low, high) == (
        pytest.approx(0.7222, abs=1e-4),
        pytest.approx(0.8749, abs=1e-4),
    )  # by hand
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_sign_test_known_values_and_bad_input() -> None:
    assert sign_test(0, 0) == 1.0  # never differ: no evidence
    assert sign_test(3, 3) == 1.0  # capped at 1
    assert sign_test(8, 0) == pytest.approx(2 / 2**8)  # by hand: 0.0078
    assert sign_test(13, 4) == pytest.approx(0.049042, abs=1e-6)
    assert sign_test(4, 13) == sign_test(13, 4)  # two-sided: symmetric
    with pytest.raises(ValueError, match="negative"):
        sign_test(-1, 2)


def test_length_labels() -> None:
    labels = [format_length(v) for v in (512, 4096, 2**20, 2**21, 1536, 3992, 2_043_904, 1100)]
    assert labels == ["512", "4k", "1M", "2M", "1.5k", "3.9k", "1.95M", "1,100"]


def test_the_page_lists_figures_other_commands_drew(tmp_path) -> None:
    from reports.paper import other_commands_figures

    for name in ("memory_attention_detect_memorize.png", "lm_perplexity_vs_segments.png",
                 "notes.png", "accuracy_vs_length.png"):  # fmt: skip
        (tmp_path / name).write_bytes(b"\x89PNG")
    found = [name for name, _, caption in other_commands_figures(tmp_path) if caption]
    assert found == ["memory_attention_detect_memorize", "lm_perplexity_vs_segments"]
    assert other_commands_figures(tmp_path / "absent") == []
