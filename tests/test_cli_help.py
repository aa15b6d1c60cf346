"""Every sub-command's help shows its defaults; --preset says what each preset sets."""

from __future__ import annotations

from click.testing import CliRunner

from rmt_bench.cli import cli


def _help(command: str) -> str:
    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_train_help_shows_defaults_and_presets() -> None:
    text = _help("train")
    assert "--segment-size INTEGER Task tokens per segment. [default: 499]" in text
    assert "--curriculum TEXT Segments per stage, e.g. 1,2,3,4. [default: 1,2,3,4,5,6,7]" in text
    assert "cpu-tiny: backbone=small-bert, segment_size=64" in text
    assert "paper: backbone=bert-base-cased" in text and "reasoning: steps_per_stage=20000" in text
    assert "--model-kind [rmt|armt|full-attention" in text
    assert "unless a --preset or --config sets them" in text


def test_eval_and_generate_help_show_defaults() -> None:
    text = _help("eval")
    assert "[default: 4k]" in text and "[default: last]" in text
    assert "BABILong" in text and "RULER" in text
    text = _help("generate")
    assert "[default: 100]" in text and "--columns [default|babilong]" in text
    assert "--push-to-hub REPO" in text


def test_unknown_model_kind_is_refused_by_the_choice() -> None:
    result = CliRunner().invoke(cli, ["train", "--model-kind", "lstm", "--out", "x"])
    assert result.exit_code == 2 and "lstm" in result.output
