"""Every command of the README's tour runs as written from the repo root.

The tour's commands are read from README.md ("## A tour"). Each runs through the real
CLI (flags, choices, config resolution and validation) in a folder laid out like a
checkout (``../shared`` beside it), in tour order, with only the long work stubbed:
generation, training, evaluation, the report and the figures pipeline record their
arguments instead of running for hours. ``flops`` and ``ls`` run for real. Paths into
``../shared/data`` must exist (checked when the data folder is there). The
full-attention training lines also train for real, with a tiny backbone and one step
per stage, through every stage of their curriculum. Lines holding ``...`` are
sketches: their given flags must parse.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
from click.testing import CliRunner

from rmt_bench.cli import cli

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
TINY = ["--backbone", "tiny-bert", "--steps-per-stage", "1", "--val-every", "1"]
TINY += ["--val-samples", "2", "--batch-size", "2", "--attention-dropout", "0", "--no-progress"]


def tour_commands() -> list[str]:
    """The tour's shell commands, continuation lines joined, comments dropped."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## A tour", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            commands.append(" ".join(line.split()))
    return commands


def cli_args(command: str) -> tuple[list[str], bool]:
    """(the arguments after ``rmt-bench``, whether the line is a ``...`` sketch)."""
    words = shlex.split(command)
    if words[0] == "accelerate":
        assert words[1] == "launch" and "-m" in words, command
        at = words.index("-m")
        assert words[at + 1] == "rmt_bench.cli", command
        words = words[at + 2 :]
    else:
        assert words[0] == "rmt-bench", command
        words = words[1:]
    sketch = "..." in words
    return [word for word in words if word != "..."], sketch


class Recorder:
    """Stand-ins for the long-running back-ends; each records its call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def build_dataset(self, task: str, **kwargs: Any) -> Path:
        from generators.lengths import parse_length
        from generators.tasks import get_task

        get_task(task)
        [parse_length(length) for length in kwargs["lengths"]]
        self.calls.append(("generate", {"task": task, **kwargs}))
        Path(kwargs["out"]).mkdir(parents=True, exist_ok=True)
        return Path(kwargs["out"])

    def train(self, cfg: Any, out: str, **kwargs: Any) -> Any:
        self.calls.append(("train", cfg))
        Path(out).mkdir(parents=True, exist_ok=True)
        return SimpleNamespace(
            is_main_process=True, out=out, processes=1, global_step=0, seconds=0.0,
            final_accuracy=None, stages=[], precision="fp32",
        )  # fmt: skip

    def evaluate(self, config: Any, **kwargs: Any) -> list[dict[str, Any]]:
        config.validate()
        config.length_values()
        self.calls.append(("eval", config))
        Path(config.out).mkdir(parents=True, exist_ok=True)
        return []

    def load_rows(self, results: str) -> None:
        assert Path(results).is_dir(), results

    def build_report(self, results: str, out: str, runs: Any = None) -> Any:
        self.calls.append(("report", (results, out)))
        return SimpleNamespace(lines=lambda: ["report"])

    def run_pipeline(self, config: Any, on_step: Any = None) -> Any:
        self.calls.append(("figures", config))
        return SimpleNamespace(text=lambda: "figures")


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """A working folder laid out like the repo root (``../shared`` beside it), stubs in place."""
    root = tmp_path / "rmt-bench"
    root.mkdir()
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED, target_is_directory=True)
    monkeypatch.chdir(root)
    recorder = Recorder()
    import generators.dataset
    import reports.load
    import reports.paper
    import rmt_bench.evaluate
    import rmt_bench.pipeline
    import rmt_bench.train.loop

    monkeypatch.setattr(generators.dataset, "build_dataset", recorder.build_dataset)
    monkeypatch.setattr(rmt_bench.train.loop, "train", recorder.train)
    monkeypatch.setattr(rmt_bench.evaluate, "evaluate", recorder.evaluate)
    monkeypatch.setattr(reports.load, "load_rows", recorder.load_rows)
    monkeypatch.setattr(reports.paper, "build_report", recorder.build_report)
    monkeypatch.setattr(rmt_bench.pipeline, "run_pipeline", recorder.run_pipeline)
    return recorder


def test_the_tour_is_found() -> None:
    commands = tour_commands()
    assert len(commands) >= 15
    names = {cli_args(command)[0][0] for command in commands}
    assert names == {"generate", "train", "eval", "ls", "report", "flops", "figures"}
    assert any("--extend-positions" in command for command in commands)


def test_every_tour_command_runs_as_written(checkout: Recorder) -> None:
    runner = CliRunner()
    for command in tour_commands():
        args, sketch = cli_args(command)
        if sketch:  # e.g. "... train ...": the flags given must parse
            sub = cli.get_command(click.Context(cli), args[0])
            assert sub is not None, command
            sub.make_context(args[0], args[1:], resilient_parsing=True)
            continue
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, f"{command}\n{result.output}"
    made = [name for name, _ in checkout.calls]
    assert made.count("generate") == 3 and made.count("report") == 1
    assert made.count("train") == 6 and made.count("eval") == 3 and made.count("figures") == 2
    assert Path("results").is_dir()


def test_tour_paths_into_the_shared_data_exist() -> None:
    if not (SHARED / "data").is_dir():
        pytest.skip(f"real data folder not found at {SHARED / 'data'}")
    paths = [
        found
        for command in tour_commands()
        for found in re.findall(r"(\.\./shared/data/[^\s?\"']+)", command)
    ]
    assert paths
    for path in paths:
        assert (REPO_ROOT / path).exists(), f"{path} (from the repo root)"


@pytest.mark.parametrize(
    "command",
    [command for command in tour_commands() if "full-attention" in command],
)
def test_full_attention_tour_lines_train_through_every_stage(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.chdir(tmp_path)
    args, _ = cli_args(command)
    result = CliRunner().invoke(cli, [*args, *TINY])  # as written, with a tiny budget
    assert result.exit_code == 0, f"{command}\n{result.output}"
    summary = json.loads(result.output.strip().splitlines()[-1])
    curriculum = args[args.index("--curriculum") + 1]
    assert [stage["segments"] for stage in summary["stages"]] == [
        int(n) for n in curriculum.split(",")
    ]
