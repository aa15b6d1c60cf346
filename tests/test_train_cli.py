"""``rmt-bench train`` on the command line: flags, one-line errors, the JSON summary."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rmt_bench.cli import cli

TINY = [
    "--task", "memorize", "--backbone", "tiny-bert", "--segment-size", "16",
    "--memory-tokens", "2", "--curriculum", "1", "--steps-per-stage", "2", "--val-every", "2",
    "--val-samples", "4", "--batch-size", "2", "--no-progress",
]  # fmt: skip


def test_help_lists_the_recipe_flags() -> None:
    result = CliRunner().invoke(cli, ["train", "--help"])
    assert result.exit_code == 0
    for flag in (
        "--curriculum",
        "--advance-at",
        "--no-curriculum",
        "--resume",
        "--lora-r",
        "--recompute-segments",
        "--grad-clip",
        "--preset",
        "--config",
        "--data",
    ):
        assert flag in result.output  # fmt: skip


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    for argv, message in (
        (["--out", str(tmp_path / "a")], "--task is required"),
        (["--task", "memorize", "--curriculum", "2,1", "--out", str(tmp_path / "b")], "increase"),
        (["--out", str(tmp_path / "c"), "--resume"], "holds no training run"),
        (["--config", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "d")], "not found"),
    ):
        result = runner.invoke(cli, ["train", *argv])
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output


def test_config_file_plus_flags_then_resume_a_finished_run(tmp_path: Path) -> None:
    config = tmp_path / "train.json"
    config.write_text(json.dumps({"task": "memorize", "lr": 0.002, "seed": 3}))
    out = tmp_path / "run"
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--config", str(config), *TINY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["global_step"] == 2 and summary["processes"] == 1
    saved = json.loads((out / "train_config.json").read_text())["config"]
    assert saved["lr"] == 0.002 and saved["seed"] == 3 and saved["backbone"] == "tiny-bert"
    again = runner.invoke(cli, ["train", "--out", str(out), "--resume", "--no-progress"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output.strip().splitlines()[-1])["global_step"] == 2
    # each start says which machine it ran on; the resume adds its own, the options stay
    resumed = json.loads((out / "train_config.json").read_text())
    assert [m["resumed"] for m in resumed["machines"]] == ["false", "true"]
    assert all(m["cpu_cores"] and m["torch_threads"] for m in resumed["machines"])
    assert resumed["config"] == saved
    changed = runner.invoke(cli, ["train", "--out", str(out), "--resume", "--lr", "0.1"])
    assert changed.exit_code == 2 and "lr" in changed.output


def test_tensorboard_logs_or_says_how_to_install(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["train", *TINY, "--tensorboard", "--out", str(tmp_path / "t")]
    )
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        assert result.exit_code == 2 and "pip install tensorboard" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert any((tmp_path / "t" / "tensorboard").iterdir())
