"""The default noise is natural text: train on one half of ``books``, test on the other."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generators import BenchInputError
from generators.default_noise import TEST_NOISE, TRAIN_NOISE
from generators.noise_books import book_documents
from rmt_bench.cli import cli
from rmt_bench.evaluate.config import EvalConfig
from rmt_bench.evaluate.samples import GeneratedSamples, open_samples
from rmt_bench.train.config import TrainConfig


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def test_training_and_testing_default_to_disjoint_halves_of_the_books() -> None:
    assert TrainConfig().noise == TRAIN_NOISE == "books?split=train"
    assert EvalConfig().noise is None  # unset: the test half, or a --data folder's own
    source = open_samples(EvalConfig(task="detect_memorize"), "minilm")
    assert isinstance(source, GeneratedSamples) and source.noise == TEST_NOISE
    assert TEST_NOISE == "books?split=test"
    train = {name for name, _ in book_documents("train")}
    test = {name for name, _ in book_documents("test")}
    assert train and test and not train & test


def test_every_command_names_its_default_noise_in_its_help() -> None:
    runner = CliRunner()
    for command, default in (
        ("generate", TEST_NOISE),
        ("eval", TEST_NOISE),
        ("attention", TEST_NOISE),
        ("train", TRAIN_NOISE),
        ("figures", TRAIN_NOISE),
    ):
        result = runner.invoke(cli, [command, "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert default in " ".join(result.output.split()), command


def test_generate_without_noise_writes_test_book_samples_and_a_card_that_rebuilds_them(
    tmp_path: Path,
) -> None:
    out = tmp_path / "dm"
    args = ["generate", "--task", "detect_memorize", "--length", "512", "--num-samples", "2"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    import pandas as pd

    rows = pd.read_parquet(next(out.rglob("*.parquet")))
    assert set(rows["noise_source"]) == {TEST_NOISE}
    card = (out / "README.md").read_text()
    assert "--noise 'books?split=test'" in card  # quoted: '?' is a shell pattern
    assert "public domain" in card and "license: other" in card


def test_eval_on_a_data_folder_takes_its_noise_unless_another_is_named(tmp_path: Path) -> None:
    out = tmp_path / "builtin-dm"
    args = ["generate", "--task", "detect_memorize", "--length", "512", "--num-samples", "1"]
    result = CliRunner().invoke(
        cli, [*args, "--noise", "builtin", "--out", str(out), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    config = EvalConfig(task="detect_memorize", data=str(out))
    assert open_samples(config, "minilm").identity()["noise"] == "builtin"
    assert open_samples(
        EvalConfig(task="detect_memorize", data=str(out), noise="builtin"), "minilm"
    )
    with pytest.raises(BenchInputError, match="--noise 'books.split=test' differs"):
        open_samples(EvalConfig(task="detect_memorize", data=str(out), noise=TEST_NOISE), "minilm")


def test_the_report_repeats_an_evaluation_with_its_noise_unless_it_used_the_default() -> None:
    from reports.provenance import eval_command

    run = {"model": "ckpt", "task": "memorize", "lengths": ["4k"]}
    assert "--noise" not in eval_command({**run, "noise": None})
    assert eval_command({**run, "noise": "builtin"}).endswith("--noise builtin")
    assert "--noise 'books?split=test'" in eval_command({**run, "noise": TEST_NOISE})
