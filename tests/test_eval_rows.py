"""Result rows on disk: append, torn tails, corrupt files, config mismatch, shard merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generators.errors import BenchInputError
from rmt_bench.evaluate.rows import ROW_FIELDS, RowsFile, read_rows, result_files


def _row(sample_id: str, config_hash: str = "h1") -> dict:
    row = dict.fromkeys(ROW_FIELDS)
    row.update(sample_id=sample_id, config_hash=config_hash, model="m", task="memorize")
    return row


def test_append_and_read_back(tmp_path: Path) -> None:
    rows = RowsFile(tmp_path, "m.memorize")
    with rows.writer() as write:
        write(_row("a"))
        write(_row("b"))
    with rows.writer() as write:
        write(_row("c"))
    assert [r["sample_id"] for r in read_rows(rows.path)] == ["a", "b", "c"]
    assert rows.done_ids() == {"a", "b", "c"}


def test_writer_refuses_incomplete_rows(tmp_path: Path) -> None:
    rows = RowsFile(tmp_path, "m.memorize")
    with rows.writer() as write, pytest.raises(ValueError, match="lacks fields"):
        write({"sample_id": "a"})


def test_torn_last_line_is_ignored_then_dropped(tmp_path: Path) -> None:
    rows = RowsFile(tmp_path, "m.memorize")
    with rows.writer() as write:
        write(_row("a"))
    with open(rows.path, "a") as handle:
        handle.write('{"sample_id": "b", "mod')  # a kill in the middle of a write
    assert rows.done_ids() == {"a"}
    with rows.writer() as write:
        write(_row("b"))
    lines = rows.path.read_text().splitlines()
    assert [json.loads(line)["sample_id"] for line in lines] == ["a", "b"]


def test_corrupt_middle_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "m.memorize.jsonl"
    path.write_text(json.dumps(_row("a")) + "\nnot json\n" + json.dumps(_row("b")) + "\n")
    with pytest.raises(BenchInputError, match="line 2 is not valid JSON"):
        read_rows(path)


def test_config_mismatch_is_refused_and_rows_untouched(tmp_path: Path) -> None:
    rows = RowsFile(tmp_path, "m.memorize")
    rows.check_config("h1", {"identity": {"x": 1}})
    with rows.writer() as write:
        write(_row("a"))
    before = rows.path.read_bytes()
    rows.check_config("h1", {"identity": {"x": 1}})  # same config: fine
    with pytest.raises(BenchInputError, match=r"different configuration \(.*: x 1 -> 2\)"):
        rows.check_config("h2", {"identity": {"x": 2}})
    assert rows.path.read_bytes() == before
    assert json.loads(rows.config_path.read_text())["config_hash"] == "h1"


def test_a_refused_config_names_what_differs() -> None:
    from rmt_bench.evaluate.config import identity_changes

    saved = {"model": {"memory_tokens": 10, "seed": 0}, "task": "memorize"}  # fp32: no key
    now = {"model": {"memory_tokens": 8, "seed": 0}, "task": "memorize", "precision": "bf16"}
    assert identity_changes(saved, now) == ": model.memory_tokens 10 -> 8, precision fp32 -> bf16"
    many = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    assert identity_changes(many, {}).endswith(", and 2 more")
    assert identity_changes(saved, saved) == identity_changes(None, now) == ""


def test_a_file_that_differs_only_in_precision_says_which_precision_continues_it(
    tmp_path: Path,
) -> None:
    from rmt_bench.evaluate.config import precision_of_rows

    rows = RowsFile(tmp_path, "m.memorize")
    rows.check_config("h1", {"identity": {"x": 1, "precision": "bf16"}})
    with pytest.raises(BenchInputError, match="bf16 -> fp32\\); .*--precision bf16 to add"):
        rows.check_config("h2", {"identity": {"x": 1}})
    with pytest.raises(BenchInputError) as other:
        rows.check_config("h3", {"identity": {"x": 2}})
    assert "--precision" not in str(other.value)
    assert precision_of_rows({"x": 1}, {"x": 1, "precision": "bf16"}) == "fp32"
    assert precision_of_rows({"x": 1}, {"x": 2, "precision": "bf16"}) is None
    assert precision_of_rows({"x": 1}, {"x": 1}) is None


def test_rows_of_another_config_without_config_file_are_refused(tmp_path: Path) -> None:
    rows = RowsFile(tmp_path, "m.memorize")
    with rows.writer() as write:
        write(_row("a", config_hash="old"))
    with pytest.raises(BenchInputError, match="different configuration"):
        rows.check_config("new", {})
    assert not rows.config_path.exists()


def test_merge_parts_appends_missing_ids_once(tmp_path: Path) -> None:
    rows = RowsFile(tmp_path, "m.memorize")
    with rows.writer() as write:
        write(_row("a"))
    with rows.writer(part=0) as write:
        write(_row("a"))  # already merged before a crash: must not duplicate
        write(_row("b"))
    with rows.writer(part=1) as write:
        write(_row("c"))
    assert rows.done_ids() == {"a", "b", "c"}
    assert rows.merge_parts() == 2
    assert [r["sample_id"] for r in read_rows(rows.path)] == ["a", "b", "c"]
    assert rows.part_paths() == []
    assert result_files(tmp_path) == [rows.path]
