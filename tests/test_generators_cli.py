"""``rmt-bench generate`` and ``build_dataset``: formats, determinism, resume, bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generators import build_sample, encode_text, resolve_tokenizer
from generators.dataset import build_dataset, load_samples
from rmt_bench.cli import cli


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMT_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "rmt-cache"))


def _digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, ["generate", *args, "--no-progress"])


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "arrow"])
def test_cli_writes_a_loadable_dataset(tmp_path: Path, fmt: str) -> None:
    import datasets

    out = tmp_path / "out"
    result = _run(
        "--task",
        "reasoning",
        "--length",
        "1k",
        "--length",
        "300,1k",
        "--num-samples",
        "3",
        "--seed",
        "5",
        "--out",
        str(out),
        "--format",
        fmt,
    )
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["complete"] and meta["config"]["lengths"] == [1024, 300]
    assert meta["config"]["format"] == fmt and "transformers" in meta["versions"]
    rows = load_samples(out)
    assert len(rows) == 6
    if fmt == "parquet":
        files = [str(out / f) for f in meta["shards"]]
        rows = datasets.load_dataset("parquet", data_files=files, split="train")
    if fmt == "arrow":
        rows = datasets.load_from_disk(str(out))["reasoning"]
        assert not (out / "dataset").exists()  # the shards are stored once
    tok, _ = resolve_tokenizer("minilm")
    for row in rows:
        expected = build_sample("reasoning", length=row["length"], seed=5, index=row["index"])
        assert row == expected
        n = len(encode_text(tok, row["context"])) + len(encode_text(tok, row["question"]))
        assert n == row["length"]


def test_same_bytes_with_one_or_four_processes(tmp_path: Path) -> None:
    common = dict(lengths=[200, "1k"], num_samples=7, seed=2, shard_size=2, progress=False)
    one = build_dataset("detect_memorize", out=tmp_path / "one", num_proc=1, **common)
    four = build_dataset("detect_memorize", out=tmp_path / "four", num_proc=4, **common)
    digests = _digests(one)
    assert len(digests) == 2 + 2 * 4  # metadata + card + 4 shards per length
    assert digests == _digests(four)


def test_with_ids_round_trip(tmp_path: Path) -> None:
    out = build_dataset(
        "memorize", lengths=[256], num_samples=2, out=tmp_path / "o", with_ids=True, progress=False
    )
    row = load_samples(out)[1]
    tok, _ = resolve_tokenizer("minilm")
    assert row["context_ids"] == encode_text(tok, row["context"]).tolist()
    assert len(row["context_ids"]) + len(row["question_ids"]) == 256


def test_interrupted_run_resumes_without_loss_or_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generators.build

    kwargs = dict(lengths=[300], num_samples=6, seed=1, shard_size=2, progress=False)
    clean = build_dataset("reasoning", out=tmp_path / "clean", **kwargs)

    real = generators.build.build_sample
    calls = {"n": 0}

    def flaky(*args: object, **kw: object) -> dict:
        calls["n"] += 1
        if calls["n"] == 5:  # shard 0 (indices 0, 1) is done; die inside shard 1 or 2
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(generators.build, "build_sample", flaky)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        build_dataset("reasoning", out=out, **kwargs)
    monkeypatch.setattr(generators.build, "build_sample", real)
    shards = sorted(p.name for p in out.rglob("shard-*"))
    assert 1 <= len(shards) < 3 and not list(out.rglob(".*.tmp"))
    assert not json.loads((out / "metadata.json").read_text())["complete"]
    result = _run(
        "--task",
        "reasoning",
        "--length",
        "300",
        "--num-samples",
        "6",
        "--seed",
        "1",
        "--out",
        str(out),
        "--shard-size",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert _digests(out) == _digests(clean)


def test_stale_temporaries_are_removed_and_missing_shards_rewritten(tmp_path: Path) -> None:
    kwargs = dict(lengths=[300], num_samples=4, seed=0, shard_size=2, progress=False)
    out = build_dataset("memorize", out=tmp_path / "o", **kwargs)
    before = _digests(out)
    shard = sorted(out.rglob("shard-*"))[1]
    shard.unlink()
    (shard.parent / f".rmt-bench-{shard.name}.x1y2.tmp").write_bytes(b"half a shard")
    users = shard.parent / f".{shard.name}.x1y2.tmp"  # looks like a temporary, is not ours
    users.write_bytes(b"user data")
    build_dataset("memorize", out=out, **kwargs)
    assert users.read_bytes() == b"user data"
    users.unlink()
    assert _digests(out) == before


def test_a_different_config_in_the_same_out_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert (
        _run(
            "--task", "memorize", "--length", "300", "--num-samples", "2", "--out", str(out)
        ).exit_code
        == 0
    )
    result = _run(
        "--task",
        "memorize",
        "--length",
        "300",
        "--num-samples",
        "2",
        "--seed",
        "9",
        "--out",
        str(out),
    )
    assert result.exit_code != 0 and "different config (seed)" in result.output


def _bad_inputs(tmp_path: Path) -> list[tuple[list[str], str]]:
    malformed_babi = tmp_path / "qa1_bad_train.txt"
    malformed_babi.write_text("this is not bAbI\n")
    malformed_quality = tmp_path / "quality.jsonl"
    malformed_quality.write_text("{not json\n")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    base = ["--task", "memorize", "--length", "300", "--num-samples", "2"]
    return [
        (["--task", "memorise", "--length", "300"], "unknown task"),
        (["--task", "memorize", "--length", "1.5Q"], "bad length"),
        (["--task", "memorize", "--length", "-3"], "bad length"),
        (["--task", "memorize", "--length", "0"], "bad length"),
        (["--task", "reasoning", "--length", "10"], "too short"),
        ([*base, "--facts", f"babi:{tmp_path / 'missing'}"], "not found"),
        ([*base, "--facts", f"babi:{malformed_babi}"], "malformed bAbI"),
        ([*base, "--noise", f"quality:{tmp_path / 'missing.jsonl'}"], "not found"),
        ([*base, "--noise", f"quality:{malformed_quality}"], "malformed QuALITY"),
        ([*base, "--noise", f"text:{tmp_path / 'nothing'}"], "not found"),
        ([*base, "--tokenizer", str(tmp_path / "no-tokenizer")], "cannot load tokenizer"),
        ([*base, "--depth", "2"], "bad depth"),
        ([*base, "--num-samples", "0"], ">= 1"),
        ([*base, "--out", str(a_file / "sub")], "cannot write"),
    ]


def test_each_bad_input_is_one_line_with_nothing_written(tmp_path: Path) -> None:
    for index, (args, message) in enumerate(_bad_inputs(tmp_path)):
        out = tmp_path / f"out{index}"
        if "--out" not in args:
            args = [*args, "--out", str(out)]
        result = _run(*args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
        assert result.output.strip().count("\n") == 0, result.output  # one line, no traceback
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert not out.exists(), args


def test_help_states_the_length_convention() -> None:
    result = CliRunner().invoke(cli, ["generate", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "k = 1024" in text and "M = 1024**2" in text
