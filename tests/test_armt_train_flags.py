"""ARMT's own sizes as train flags: ``--armt-key-size``, ``--armt-nu``; checks, model, summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generators.errors import BenchInputError
from rmt_bench.cli import cli
from rmt_bench.config import config_hash, config_to_dict
from rmt_bench.train.checkpointing import TRAIN_CONFIG, check_out
from rmt_bench.train.config import TrainConfig, resolve_train_config
from rmt_bench.train.curriculum import Stage
from rmt_bench.train.models import model_kind
from rmt_bench.train.summary import run_summary

TINY = {"task": "memorize", "backbone": "tiny-bert", "segment_size": 16, "memory_tokens": 2}


def _cfg(**values: object) -> TrainConfig:
    return resolve_train_config(overrides={**TINY, "model_kind": "armt", **values})


def test_defaults_are_armts_own_and_flags_reach_the_model() -> None:
    assert _cfg().armt_sizes == (32, 3)
    cfg = _cfg(armt_key_size=8, armt_nu=2)
    model = model_kind("armt").build(cfg, ("a", "b"))
    assert (model.config.key_size, model.config.nu, model.config.phi_size) == (8, 2, 32)
    unit = model.cell.associative[0]
    assert unit.key.weight.shape == (8, model.cell.hidden_size) and unit.phi_size == 32
    hidden, layers = model.cell.hidden_size, len(model.cell.associative)
    assert model.state_numel == 2 * hidden + layers * (hidden + 1) * 32


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"armt_key_size": 0}, "--armt-key-size must be an integer in [1, 4096], got 0"),
        ({"armt_key_size": 5000}, "--armt-key-size"),
        ({"armt_nu": 0}, "--armt-nu must be an integer in [1, 2 x key size = 64), got 0"),
        ({"armt_key_size": 2, "armt_nu": 4}, "[1, 2 x key size = 4), got 4"),
        ({"memory_tokens": 0}, "--model-kind armt needs --memory-tokens >= 1"),
        ({"model_kind": "rmt", "armt_key_size": 8}, "--armt-key-size applies to --model-kind armt"),
        ({"model_kind": "rmt", "armt_nu": 2}, "--armt-nu applies to --model-kind armt only"),
    ],
)
def test_bad_sizes_are_one_clear_error(values: dict, needle: str) -> None:
    with pytest.raises(BenchInputError) as error:
        _cfg(**values)
    assert needle in str(error.value) and "\n" not in str(error.value)


def test_the_limits_themselves_are_accepted() -> None:
    assert _cfg(armt_key_size=1, armt_nu=1).armt_sizes == (1, 1)
    assert _cfg(armt_key_size=4096, armt_nu=8191).armt_sizes == (4096, 8191)
    assert resolve_train_config(overrides={**TINY, "memory_tokens": 0}).armt_sizes == (32, 3)


def test_the_start_up_summary_shows_the_sizes_only_for_armt() -> None:
    cfg = _cfg(armt_key_size=8, armt_nu=2)
    model = model_kind("armt").build(cfg, ("a", "b"))
    stages = [Stage(index=1, segments=1, length=16, max_steps=2)]
    text = run_summary(cfg, model, stages)
    line = f"key size 8, nu 2, d_phi 32, state {model.state_numel:,} numbers per sample"
    assert line in text and text.splitlines()[0].startswith("training armt on memorize")
    rmt_cfg = resolve_train_config(overrides=TINY)
    rmt = model_kind("rmt").build(rmt_cfg, ("a", "b"))
    assert "key size" not in run_summary(rmt_cfg, rmt, stages)


def test_cli_flags_show_in_help_and_summary(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runner = CliRunner()
    help_text = runner.invoke(cli, ["train", "--help"]).output
    assert "--armt-key-size" in help_text and "--armt-nu" in help_text
    argv = [
        "train", "--model-kind", "armt", "--armt-key-size", "4", "--armt-nu", "2",
        "--task", "memorize", "--backbone", "tiny-bert", "--segment-size", "16",
        "--memory-tokens", "2", "--curriculum", "1", "--steps-per-stage", "1", "--val-every", "1",
        "--val-samples", "2", "--batch-size", "2", "--prefetch", "0", "--no-progress",
        "--out", str(tmp_path / "run"),
    ]  # fmt: skip
    result = runner.invoke(cli, argv)
    assert result.exit_code == 0, result.output
    assert "key size 4, nu 2, d_phi 16" in caplog.text
    meta = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (meta["config"]["key_size"], meta["config"]["nu"]) == (4, 2)


def test_a_run_saved_before_the_armt_flags_existed_still_resumes(tmp_path: Path) -> None:
    cfg = resolve_train_config(overrides=TINY)
    old = {k: v for k, v in config_to_dict(cfg).items() if "armt" not in k}
    (tmp_path / TRAIN_CONFIG).write_text(json.dumps({"config": old, "hash": config_hash(old)}))
    check_out(tmp_path, cfg, resume=True)  # no error: only options added since, at defaults
    changed = resolve_train_config(overrides={**TINY, "lr": 0.5})
    with pytest.raises(BenchInputError, match="lr"):
        check_out(tmp_path, changed, resume=True)
    armt = resolve_train_config(overrides={**TINY, "model_kind": "armt", "armt_nu": 2})
    with pytest.raises(BenchInputError, match="armt_nu"):
        check_out(tmp_path, armt, resume=True)
