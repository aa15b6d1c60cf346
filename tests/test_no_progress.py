"""``--no-progress`` silences every bar: rmt-bench's own and the libraries' (datasets, hub)."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner
from huggingface_hub import utils as hub_utils
from transformers.utils import logging as hf_logging

from generators.dataset import load_samples
from generators.progress import progress_bars
from rmt_bench.cli import cli

BAR_MARKS = ("\r", "it/s", "examples/s", "Generating", "Saving", "Map", "%|")


def _bars(text: str) -> list[str]:
    return [mark for mark in BAR_MARKS if mark in text]


def _switches() -> tuple[bool, bool, bool]:
    return (
        datasets.is_progress_bar_enabled(),
        not hub_utils.are_progress_bars_disabled(),
        hf_logging.is_progress_bar_enabled(),
    )


def _generate(out: Path, *extra: str) -> None:
    args = ["generate", "--task", "memorize", "--length", "512", "--num-samples", "4"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), *extra])
    assert result.exit_code == 0, result.output


def test_progress_bars_switches_the_libraries_off_inside_the_block_only() -> None:
    before = _switches()
    with progress_bars(True):
        assert _switches() == before
    with progress_bars(False):
        assert _switches() == (False, False, False)
    assert _switches() == before
    with pytest.raises(RuntimeError), progress_bars(False):
        raise RuntimeError("interrupted")
    assert _switches() == before  # restored on the way out of an error too


def test_reading_a_dataset_shows_a_bar_unless_silenced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path / "quiet", "--no-progress")
    _generate(tmp_path / "loud", "--no-progress")
    capsys.readouterr()
    if not datasets.is_progress_bar_enabled():
        pytest.skip(
            "datasets' bars are off in this environment (HF_DATASETS_DISABLE_PROGRESS_BARS)"
        )
    with progress_bars(False):
        assert len(load_samples(tmp_path / "quiet")) == 4
    assert _bars(capsys.readouterr().err) == []
    assert len(load_samples(tmp_path / "loud")) == 4
    assert "Generating" in capsys.readouterr().err  # what the switch silences is real


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_generate_no_progress_writes_no_bar(tmp_path: Path, fmt: str) -> None:
    args = ["generate", "--task", "memorize", "--length", "300", "--num-samples", "3"]
    args += ["--format", fmt, "--out", str(tmp_path / "d"), "--no-progress"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and result.output == f"wrote 3 samples to {tmp_path / 'd'}\n"


def test_train_on_a_data_folder_no_progress_writes_no_bar(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _generate(data, "--no-progress", "--seed", "5000000")  # 512 tokens: 8 segments of 64
    args = ["train", "--task", "memorize", "--backbone", "tiny-bert", "--data", str(data)]
    args += ["--segment-size", "64", "--memory-tokens", "2", "--curriculum", "8"]
    args += ["--steps-per-stage", "1", "--val-every", "1", "--val-samples", "2"]
    args += ["--batch-size", "2", "--attention-dropout", "0", "--prefetch", "0"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "run"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["global_step"] == 1
    assert _bars(result.stderr) == [], result.stderr
