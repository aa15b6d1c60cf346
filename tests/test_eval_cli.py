"""``rmt-bench eval`` / ``rmt-bench ls`` from the command line, and every bad input.

Each bad input must give one line on stderr, exit status 2, no traceback, and
leave existing rows byte-for-byte as they were.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from baselines.full_attention import FullAttentionClassifier, FullAttentionConfig
from rmt_bench.cli import cli


@pytest.fixture(scope="module")
def fa_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ckpt") / "fa"
    FullAttentionClassifier(FullAttentionConfig(backbone="tiny-bert")).save_pretrained(path)
    return path


def _eval(model: str, out: Path, *extra: str):
    args = ["eval", "--model", model, "--task", "memorize", "--lengths", "128,256"]
    args += ["--num-samples", "2", "--out", str(out), "--no-progress", *extra]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _assert_user_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert fragment in lines[0], lines[0]


def test_eval_then_ls(tmp_path: Path, fa_dir: Path) -> None:
    out = tmp_path / "results"
    result = _eval(str(fa_dir), out)
    assert result.exit_code == 0, result.output
    assert "accuracy [95% CI]" in result.stdout
    assert len((out / "fa.memorize.jsonl").read_text().splitlines()) == 4
    assert (out / "summary.csv").is_file() and (out / "fa.memorize.config.json").is_file()
    listing = CliRunner().invoke(cli, ["ls", str(out)])
    assert listing.exit_code == 0
    assert "fa.memorize.jsonl  (4 rows" in listing.stdout and "full-attention" in listing.stdout
    empty = CliRunner().invoke(cli, ["ls", str(tmp_path)])
    assert "no result files" in empty.stdout


def test_ls_missing_folder(tmp_path: Path) -> None:
    _assert_user_error(CliRunner().invoke(cli, ["ls", str(tmp_path / "nope")]), "no results folder")


def _corrupt_copies(fa_dir: Path, root: Path) -> dict[str, tuple[Path, str]]:
    cases: dict[str, tuple[Path, str]] = {}

    def copy(name: str) -> Path:
        target = root / name
        shutil.copytree(fa_dir, target)
        return target

    bad_json = copy("bad-json")
    (bad_json / "config.json").write_text("{not json")
    cases["bad json"] = (bad_json, "not valid JSON")
    unknown = copy("unknown-kind")
    (unknown / "config.json").write_text(json.dumps({"kind": "mamba"}))
    cases["unknown kind"] = (unknown, "unknown model kind 'mamba'")
    no_config = copy("no-config")
    (no_config / "config.json").unlink()
    cases["no config"] = (no_config, "config.json is missing")
    bad_head = copy("bad-head")
    (bad_head / "head.safetensors").write_bytes(b"\x00garbage")
    cases["corrupt weights"] = (bad_head, "corrupt checkpoint")
    no_backbone = copy("no-backbone")
    shutil.rmtree(no_backbone / "backbone")
    cases["missing backbone"] = (no_backbone, "cannot load")
    bad_backbone = copy("bad-backbone")
    (bad_backbone / "backbone" / "model.safetensors").write_bytes(
        b"\x10\x00\x00\x00\x00\x00\x00\x00{"
    )
    cases["corrupt backbone"] = (bad_backbone, "cannot load")
    return cases


def test_bad_inputs_are_one_line_errors_and_rows_stay(tmp_path: Path, fa_dir: Path) -> None:
    out = tmp_path / "results"
    assert _eval(str(fa_dir), out).exit_code == 0
    rows_file = out / "fa.memorize.jsonl"
    before = rows_file.read_bytes()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")

    runs = [
        (_eval(str(tmp_path / "missing"), out), "model checkpoint not found"),
        (_eval(str(fa_dir), out, "--seed", "5"), "different configuration"),
        (_eval(str(fa_dir), out, "--name", "fa", "--seed", "5"), "different configuration"),
        (_eval(str(fa_dir), a_file), "is not a directory"),
        (_eval(str(fa_dir), a_file / "sub"), "cannot create --out"),
        (_eval(str(fa_dir), out, "--extend-positions", "0"), "--extend-positions must be >= 1"),
        (_eval(str(fa_dir), out, "--window", "first"), "--window does not apply"),
        (_eval(str(fa_dir), out, "--num-samples", "0"), "--num-samples must be >= 1"),
        (_eval(str(fa_dir), out, "--seed", "1500000"), "not a test seed"),
        (_eval("hf:", out), "needs a model name"),
        (_eval(f"hf:{tmp_path / 'no-lm'}", out), "cannot load"),
    ]
    for result, fragment in runs:
        _assert_user_error(result, fragment)
    fresh = tmp_path / "never-created" / "results"
    _assert_user_error(_eval(str(tmp_path / "missing"), fresh), "model checkpoint not found")
    assert not fresh.parent.exists()  # a failed run leaves no empty output folder behind

    for bad in ("1.5Q", "-3", "0", "4k,,8k"):
        result = CliRunner().invoke(
            cli,
            [
                "eval",
                "--model",
                str(fa_dir),
                "--task",
                "memorize",
                "--lengths",
                bad,
                "--out",
                str(out),
            ],
        )
        _assert_user_error(result, "length")
    result = CliRunner().invoke(
        cli,
        ["eval", "--model", str(fa_dir), "--task", "nope", "--lengths", "4k", "--out", str(out)],
    )
    _assert_user_error(result, "unknown task 'nope'")

    for name, (path, fragment) in _corrupt_copies(fa_dir, tmp_path).items():
        result = _eval(str(path), out, "--name", "fa")
        assert result.exit_code == 2, name
        _assert_user_error(result, fragment)
    assert rows_file.read_bytes() == before


def test_config_file_and_flags(tmp_path: Path, fa_dir: Path) -> None:
    config = tmp_path / "eval.yaml"
    config.write_text(f"model: {fa_dir}\ntask: memorize\nlengths: [128]\nnum_samples: 1\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["eval", "--config", str(config), "--num-samples", "2", "--out", str(out), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert len((out / "fa.memorize.jsonl").read_text().splitlines()) == 2
    config.write_text("modle: x\n")
    _assert_user_error(
        CliRunner().invoke(cli, ["eval", "--config", str(config)]), "unknown option 'modle'"
    )


def test_a_length_too_short_for_the_task_fails_before_any_row(tmp_path: Path, fa_dir: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "--model",
            str(fa_dir),
            "--task",
            "reasoning",
            "--lengths",
            "128,8",
            "--out",
            str(out),
        ],
    )
    _assert_user_error(result, "too short")
    assert not list(out.glob("*.jsonl"))
