"""Safety rules: locks, owned files, confined paths, no remote code, no leftovers, umask.

Each test states one rule from docs/interfaces.md ("Safety") and tries to break it:
a second writer, a user's summary.csv, a shard path escaping ``--data``, a tokenizer
that ships Python, a start that fails after writing, a restrictive umask.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from generators.atomic import atomic_write_text, is_own_temporary
from generators.errors import BenchInputError
from generators.locks import lock_path, writer_lock
from generators.owned import MANIFEST, allow_overwrite, owned_path
from rmt_bench.cli import cli
from rmt_bench.evaluate.listing import list_results
from rmt_bench.evaluate.rows import read_rows
from rmt_bench.evaluate.summary import write_summary

# ------------------------------------------------------------------------- locks


def test_a_second_writer_fails_at_once_and_the_lock_frees_on_exit(tmp_path: Path) -> None:
    target = tmp_path / "results" / "m.memorize.jsonl"
    same = tmp_path / "results" / ".." / "results" / "m.memorize.jsonl"  # another spelling
    with writer_lock(target):
        with pytest.raises(BenchInputError, match="another rmt-bench run is writing"):  # noqa: SIM117
            with writer_lock(same):
                pass
        with writer_lock(tmp_path / "results" / "other.memorize.jsonl"):
            pass  # another file: no conflict
    with writer_lock(target):
        pass  # released
    assert not (tmp_path / "results").exists()  # the lock leaves nothing in the user's folders
    assert lock_path(target).parent != tmp_path


def test_eval_refuses_a_results_file_another_run_is_writing(tmp_path: Path) -> None:
    out = tmp_path / "results"
    args = ["eval", "--model", str(tmp_path / "ckpt"), "--task", "memorize", "--lengths", "300"]
    with writer_lock(out / "ckpt.memorize.jsonl"):
        result = CliRunner().invoke(cli, [*args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 2 and "another rmt-bench run is writing" in result.stderr
    assert not out.exists()


def test_train_and_generate_refuse_a_folder_another_run_is_writing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with writer_lock(out):
        trained = CliRunner().invoke(cli, ["train", "--task", "memorize", "--out", str(out)])
        generated = CliRunner().invoke(
            cli, ["generate", "--task", "memorize", "--length", "300", "--out", str(out)]
        )
    for result in (trained, generated):
        assert result.exit_code == 2 and "another rmt-bench run is writing" in result.stderr
    assert not out.exists()


# ------------------------------------------------------------- duplicated rows


def _row(sample_id: str, correct: bool) -> str:
    row = {"model": "m", "kind": "rmt", "task": "memorize", "length": 300, "n_tokens": 300}
    row.update(sample_id=sample_id, correct=correct, skipped=False, seconds=0.5)
    row.update(config_hash="h", peak_memory_mb=1.0)
    return json.dumps(row) + "\n"


def test_summary_ls_and_report_agree_on_n_when_rows_repeat(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    lines = [_row(f"s{i}", i % 2 == 0) for i in range(6)]
    (results / "m.memorize.jsonl").write_text("".join(lines + lines))  # every row twice
    assert len(read_rows(results / "m.memorize.jsonl")) == 6
    table = write_summary(results)
    assert [record["n"] for record in table] == [6]
    assert "(6 rows" in list_results(results)
    out = tmp_path / "figures"
    result = CliRunner().invoke(cli, ["report", str(results), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = (out / "summary.csv").read_text().splitlines()
    n_column = summary[0].split(",").index("n")
    assert [line.split(",")[n_column] for line in summary[1:]] == ["6"]


# ---------------------------------------------------------------- owned files


def test_a_users_summary_is_never_replaced_unless_asked(tmp_path: Path) -> None:
    (tmp_path / "m.memorize.jsonl").write_text(_row("s0", True))
    users = tmp_path / "summary.csv"
    users.write_text("my own table\n")
    with pytest.raises(BenchInputError, match="rmt-bench did not write"):
        write_summary(tmp_path)
    assert users.read_text() == "my own table\n"
    with allow_overwrite():
        write_summary(tmp_path)
    assert users.read_text().startswith("model,")
    write_summary(tmp_path)  # now it is ours: rewriting needs no flag
    users.write_text("edited by hand\n")  # changed since: no longer ours
    with pytest.raises(BenchInputError, match="summary.csv"):
        write_summary(tmp_path)
    assert users.read_text() == "edited by hand\n"


def test_a_summary_of_an_older_version_is_recognised_by_its_rows(tmp_path: Path) -> None:
    from rmt_bench.evaluate.summary import SUMMARY_FIELDS

    (tmp_path / "m.memorize.jsonl").write_text(_row("s0", True))
    old = tmp_path / "summary.csv"
    header = ",".join(SUMMARY_FIELDS)
    old.write_text(f"{header}\nother,rmt,memorize,300,1,1,0,1,1,1,0\n")  # no rows file
    with pytest.raises(BenchInputError, match="summary.csv"):
        write_summary(tmp_path)
    old.write_text(f"{header}\nm,rmt,memorize,300,1,1,0,1,1,1,0\n")  # written before manifests
    assert [record["n"] for record in write_summary(tmp_path)] == [1]


def test_owned_path_records_what_it_wrote(tmp_path: Path) -> None:
    target = tmp_path / "figure.png"
    with owned_path(target) as tmp:
        tmp.write_bytes(b"png")
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert set(manifest["files"]) == {"figure.png"}
    with owned_path(target) as tmp:
        tmp.write_bytes(b"png, again")
    assert target.read_bytes() == b"png, again"


def test_eval_checks_the_summary_before_loading_the_model(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "summary.csv").write_text("mine\n")
    args = ["eval", "--model", str(tmp_path / "no-such-model"), "--task", "memorize"]
    result = CliRunner().invoke(cli, [*args, "--lengths", "300", "--out", str(out)])
    assert result.exit_code == 2 and "summary.csv" in result.stderr  # not the missing model
    assert (out / "summary.csv").read_text() == "mine\n"


def test_generate_removes_only_its_own_temporaries(tmp_path: Path) -> None:
    assert is_own_temporary(".rmt-bench-shard-0.parquet.x1y2.tmp")
    assert not is_own_temporary(".shard-0.parquet.x1y2.tmp")
    assert not is_own_temporary(".rmt-bench-files.json")


def test_train_refuses_a_folder_with_user_files(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "tokenizer").mkdir(parents=True)
    (out / "tokenizer" / "vocab.txt").write_text("mine\n")
    result = CliRunner().invoke(cli, ["train", "--task", "memorize", "--out", str(out)])
    assert result.exit_code == 2 and "'tokenizer'" in result.stderr
    assert sorted(p.name for p in out.rglob("*")) == ["tokenizer", "vocab.txt"]


# ------------------------------------------------------------ confined paths


def _dataset(folder: Path, shards: list[str]) -> Path:
    folder.mkdir(parents=True)
    meta = {"config": {"format": "jsonl"}, "complete": True, "shards": shards}
    (folder / "metadata.json").write_text(json.dumps(meta))
    return folder


@pytest.mark.parametrize("shard", ["../outside.jsonl", "/etc/passwd", "sub/../../x.jsonl", "."])
def test_data_shards_must_stay_inside_the_folder(tmp_path: Path, shard: str) -> None:
    from generators.dataset import load_samples

    (tmp_path / "outside.jsonl").write_text('{"secret": 1}\n')
    folder = _dataset(tmp_path / "data", [shard])
    with pytest.raises(BenchInputError, match="outside"):
        load_samples(folder)


def test_data_shards_inside_the_folder_are_read(tmp_path: Path) -> None:
    from generators.dataset import load_samples

    folder = _dataset(tmp_path / "data", ["part/rows.jsonl"])
    (folder / "part").mkdir()
    (folder / "part" / "rows.jsonl").write_text('{"a": 1}\n{"a": 2}\n')
    assert load_samples(folder)["a"] == [1, 2]


def test_a_garbage_line_in_a_shard_is_one_error(tmp_path: Path) -> None:
    from generators.dataset import load_samples

    folder = _dataset(tmp_path / "data", ["rows.jsonl"])
    (folder / "rows.jsonl").write_text('{"a": 1}\nthis is not json\n')
    with pytest.raises(BenchInputError, match="cannot read the samples"):
        load_samples(folder)


# --------------------------------------------------------------- remote code


def test_a_tokenizer_that_ships_python_is_refused_without_a_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generators.pretrained import load_tokenizer

    folder = tmp_path / "evil"
    folder.mkdir()
    marker = tmp_path / "code-ran"
    (folder / "evil_tokenizer.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "from transformers import PreTrainedTokenizerFast as EvilTokenizer\n"
    )
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"auto_map": {"AutoTokenizer": [None, "evil_tokenizer.EvilTokenizer"]}})
    )
    (folder / "config.json").write_text(json.dumps({"model_type": "evil"}))

    def no_prompt(*args: object) -> str:
        raise AssertionError("an interactive prompt appeared")

    monkeypatch.setattr(builtins, "input", no_prompt)
    with pytest.raises(BenchInputError):
        load_tokenizer(str(folder))
    assert not marker.exists()


def _hf_loader_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls of transformers' Auto* ``from_pretrained`` and ``datasets.load_dataset``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        receiver = node.func.value
        name = receiver.id if isinstance(receiver, ast.Name) else ""
        auto = node.func.attr == "from_pretrained" and (
            name.startswith("Auto") or name == "auto_cls"
        )
        if auto or (node.func.attr == "load_dataset" and name == "datasets"):
            found.append(node)
    return found


def test_every_loader_passes_trust_remote_code_false() -> None:
    root = Path(__file__).resolve().parent.parent
    calls, offenders = 0, []
    for package in ("generators", "rmt_bench", "baselines", "reports", "benchmarks"):
        for path in sorted((root / package).rglob("*.py")):
            for call in _hf_loader_calls(ast.parse(path.read_text(encoding="utf-8"))):
                calls += 1
                flags = [k.value for k in call.keywords if k.arg == "trust_remote_code"]
                safe = len(flags) == 1 and isinstance(flags[0], ast.Constant)
                if not safe or flags[0].value is not False:
                    offenders.append(f"{path.relative_to(root)}:{call.lineno}")
    assert calls >= 6 and offenders == []


# ------------------------------------------------------------------ leftovers


def test_a_failed_training_start_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rmt_bench.train.loop as loop
    from rmt_bench.train.config import resolve_train_config

    def broken(*args: object, **kwargs: object) -> None:
        raise BenchInputError("the log could not be opened")

    monkeypatch.setattr(loop, "TrainLog", broken)  # fails right after train_config.json
    cfg = resolve_train_config(
        None,
        {"task": "memorize", "backbone": "tiny-bert", "segment_size": 16, "memory_tokens": 2},
    )
    out = tmp_path / "run"
    with pytest.raises(BenchInputError, match="log could not be opened"):
        loop.train(cfg, out, progress=False)
    assert not out.exists()


def test_a_run_that_never_started_may_be_started_again(tmp_path: Path) -> None:
    from rmt_bench.train.checkpointing import TRAIN_CONFIG, check_out
    from rmt_bench.train.config import resolve_train_config

    cfg = resolve_train_config(None, {"task": "memorize"})
    out = tmp_path / "run"
    out.mkdir()
    (out / TRAIN_CONFIG).write_text("{}")
    check_out(out, cfg, resume=False)  # no steps, no checkpoints: a fresh start is fine
    (out / "train_log.jsonl").write_text('{"step": 1}\n')
    with pytest.raises(BenchInputError, match="already holds a training run"):
        check_out(out, cfg, resume=False)


# ---------------------------------------------------------------------- umask


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_respect_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == mode
