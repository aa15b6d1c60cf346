"""Before stage 1: a curriculum longer than a full-attention model's window fails at once."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from generators.errors import BenchInputError
from rmt_bench.cli import cli
from rmt_bench.train.curriculum import plan_stages
from rmt_bench.train.preflight import check_stage_lengths

FA = [
    "train", "--model-kind", "full-attention", "--task", "memorize", "--backbone", "tiny-bert",
    "--curriculum", "1,2,4,7", "--steps-per-stage", "1", "--val-every", "1",
    "--val-samples", "2", "--batch-size", "2", "--no-progress",
]  # fmt: skip


def test_full_attention_curriculum_too_long_fails_before_anything_is_written(
    tmp_path: Path,
) -> None:
    out = tmp_path / "fa"
    result = CliRunner().invoke(cli, [*FA, "--segment-size", "300", "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output
    assert "stage 2 needs 2 x 300 = 600 tokens" in lines[0]
    assert "reads at most 510 (512 positions)" in lines[0]
    assert "--segment-size 72" in lines[0] and "(stages 1 fit)" in lines[0]
    assert lines[0].endswith("--extend-positions 2102")  # 7 x 300 + [CLS] and [SEP]
    assert not (out / "train_config.json").exists()  # the corrected rerun needs no --resume


def test_the_suggested_segment_size_trains(tmp_path: Path) -> None:
    out = tmp_path / "fa"
    result = CliRunner().invoke(cli, [*FA, "--segment-size", "72", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert [stage["segments"] for stage in summary["stages"]] == [1, 2, 4, 7]


def test_extend_positions_trains_past_the_backbones_positions(tmp_path: Path) -> None:
    from baselines.full_attention import FullAttentionClassifier

    out = tmp_path / "fa"
    args = [*FA, "--curriculum", "1,2", "--segment-size", "300", "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--extend-positions", "700"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert [stage["segments"] for stage in summary["stages"]] == [1, 2]  # 600 tokens > 510
    saved = json.loads((out / "config.json").read_text())
    assert saved["config"]["extend_positions"] == 700
    model = FullAttentionClassifier.from_pretrained(out)  # reads its training length again
    assert (model.max_positions, model.trained_positions, model.max_tokens) == (700, 512, 698)
    model.extend_positions(600)  # a smaller eval --extend-positions never shrinks it
    assert model.max_positions == 700


def test_extend_positions_too_small_still_fails_before_stage_1(tmp_path: Path) -> None:
    out = tmp_path / "fa"
    args = [*FA, "--curriculum", "1,2", "--segment-size", "300", "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--extend-positions", "601"])
    assert result.exit_code == 2, result.output
    assert "reads at most 599 (601 positions)" in result.stderr
    assert "--extend-positions 602" in result.stderr and not out.exists()


def test_the_start_up_summary_says_the_positions_are_tiled() -> None:
    import torch

    from rmt_bench.train.config import resolve_train_config
    from rmt_bench.train.summary import run_summary

    overrides = {"task": "memorize", "model_kind": "full-attention", "extend_positions": 3500}
    cfg = resolve_train_config(None, overrides)
    stages = plan_stages(cfg.stage_segments, cfg.segment_size, cfg.stage_steps)
    text = run_summary(cfg, torch.nn.Linear(2, 2), stages)
    assert text.endswith("position table tiled to 3,500 positions")
    plain = resolve_train_config(None, {"task": "memorize", "model_kind": "full-attention"})
    assert "tiled" not in run_summary(plain, torch.nn.Linear(2, 2), stages)


def test_models_without_a_window_are_not_limited() -> None:
    stages = plan_stages((1, 2, 100), 499, 10)
    check_stage_lengths(SimpleNamespace(kind="rmt"), stages, 499)  # an RMT reads any length
    window = SimpleNamespace(kind="full-attention", max_tokens=1000, max_positions=1002)
    with pytest.raises(BenchInputError, match="stage 3 needs 100 x 499"):
        check_stage_lengths(window, stages, 499)
    check_stage_lengths(window, plan_stages((1, 2), 499, 10), 499)
