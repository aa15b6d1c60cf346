"""Every sub-command's help shows its defaults; --preset says what each preset sets."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from rmt_bench.cli import cli


def _help(command: str) -> str:
    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_train_help_shows_defaults_and_presets() -> None:
    text = _help("train")
    assert "--segment-size INTEGER Task tokens per segment. [default: 499]" in text
    assert "--curriculum TEXT Segments per stage, e.g. 1,2,3,4; NxS: N segments of S" in text
    assert "size). [default: 1,2,3,4,5,6,7]" in text
    assert "cpu-tiny: backbone=small-bert, segment_size=64" in text
    unwrapped = text.replace("- ", "-")  # click may wrap the help at a hyphen
    assert "paper: backbone=bert-base-cased" in unwrapped
    assert "reasoning: steps_per_stage=20000" in text
    assert "memorize with --model-kind armt: curriculum=1,2,3,4,5,6,7,8,16,32,64" in text
    assert "steps_per_stage=100, lr_from=16:0.0001" in text  # pairs spelt as the flag takes them
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


def _commands() -> list[str]:
    return cli.list_commands(click.Context(cli))


@pytest.mark.parametrize("name", _commands())
def test_every_option_of_every_subcommand_shows_its_default(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    context = click.Context(command, info_name=name)
    silent = []
    for option in command.params:
        if not isinstance(option, click.Option) or option.required or option.hidden:
            continue  # hidden: a deprecated alias, not in the help
        if option.is_flag and not option.secondary_opts:
            continue  # a plain flag: off unless given
        record = option.get_help_record(context)
        assert record is not None, option.name
        words = record[1].lower()
        if "default" not in words and "required" not in words:
            silent.append(record[0])
    assert not silent, f"{name}: options without a default in --help: {silent}"
    _help(name)  # and the help renders


def test_options_without_a_value_say_what_happens_instead() -> None:
    train, evaluate = _help("train"), _help("eval")
    assert "--bptt-depth INTEGER Backpropagate through the last k segments. [default: all" in train
    assert "[default: no-recompute-segments]" in train
    assert "--extend-positions INTEGER full-attention only" in train
    assert "[default: the backbone's own]" in train
    assert "[required: here or in --config]" in evaluate
    assert "[default: no-chat-template]" in evaluate
    assert "[default: none]" in _help("flops") and "[default: no upload]" in _help("generate")


def test_a_new_command_gets_its_defaults_shown() -> None:
    from rmt_bench.commands._help import explain_defaults

    @click.command()
    @click.option("--size", type=int, default=3, help="A size.")
    @click.option("--name", help="A name.")
    @click.option("--fast/--slow", default=True)
    @click.option("--dry-run", is_flag=True, help="Only plan.")
    @click.option("--out", required=True)
    def new(size: int, name: str | None, fast: bool, dry_run: bool, out: str) -> None:
        """A command added later."""

    explain_defaults(explain_defaults(new))  # idempotent
    text = " ".join(CliRunner().invoke(new, ["--help"], terminal_width=200).output.split())
    assert "--size INTEGER A size. [default: 3]" in text
    assert "--name TEXT A name. [default: none]" in text and text.count("[default: none]") == 1
    assert "[default: fast]" in text
    assert "--dry-run Only plan. --out" in text and "[required]" in text
