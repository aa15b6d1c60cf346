"""``rmt-bench train --model-kind armt`` then ``rmt-bench eval --model DIR`` on a tiny backbone."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from click.testing import CliRunner
from safetensors.torch import load_file

from rmt_bench.cli import cli
from rmt_bench.evaluate import read_rows
from rmt_bench.rmt.armt import ARMT

TINY = [
    "--task", "memorize", "--backbone", "tiny-bert", "--segment-size", "16",
    "--memory-tokens", "2", "--curriculum", "1,2", "--steps-per-stage", "2", "--val-every", "2",
    "--val-samples", "4", "--batch-size", "2", "--lr", "1e-3", "--warmup", "1",
    "--prefetch", "0", "--no-progress",
]  # fmt: skip


def test_train_then_eval_an_armt_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "run"
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--model-kind", "armt", *TINY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["global_step"] == 4 and [s["segments"] for s in summary["stages"]] == [1, 2]
    meta = json.loads((out / "config.json").read_text())
    assert meta["kind"] == "armt" and meta["extra"]["trained_segments"] == 2
    model = ARMT.from_pretrained(out)
    # training moved the associative projections away from their seeded initialisation
    fresh = ARMT(model.config).state_dict()
    trained = load_file(out / "last" / "model.safetensors")
    moved = [k for k in trained if ".associative." in k and not torch.equal(trained[k], fresh[k])]
    assert moved

    results = tmp_path / "results"
    evaluated = runner.invoke(
        cli,
        ["eval", "--model", str(out), "--task", "memorize", "--lengths", "40,100",
         "--num-samples", "2", "--out", str(results), "--no-progress"],
    )  # fmt: skip
    assert evaluated.exit_code == 0, evaluated.output
    (path,) = [p for p in results.glob("*.jsonl") if "part" not in p.name]
    rows = read_rows(path)
    assert [r["length"] for r in rows] == [40, 40, 100, 100]
    assert {r["kind"] for r in rows} == {"armt"} and [r["segments"] for r in rows] == [3, 3, 7, 7]


def test_unknown_model_kind_lists_armt(tmp_path: Path) -> None:
    argv = ["train", "--model-kind", "armtx", *TINY, "--out", str(tmp_path / "x")]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "'rmt', 'armt'" in result.output  # click.Choice lists the registered kinds
